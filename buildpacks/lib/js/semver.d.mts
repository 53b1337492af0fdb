export interface Version {
  major: number;
  minor: number;
  patch: number;
  pre: (string | number)[];
}
export interface Comparator {
  op: '<' | '<=' | '>' | '>=' | '=';
  version: Version;
}
export function parseVersion(text: string): Version | null;
export function compareVersions(a: string | Version, b: string | Version): number;
export function isValidRange(range: string): boolean;
export function satisfies(version: string | Version, range: string): boolean;
export function maxSatisfying(versions: Iterable<string>, range: string): string | null;
export function parseRange(range: string): Comparator[][];

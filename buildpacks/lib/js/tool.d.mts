export class ToolError extends Error {
  constructor(message: string, code: number);
  code: number;
}
export function packageInfo(text: string, name?: string): Record<string, string>;
export function indexVersions(text: string, format: 'npm' | 'dist'): string[];
export function resolveVersion(versions: Iterable<string>, range: string, what?: string): string;
export function newestPerMajor(versions: Iterable<string>, count: number): string[];
export function resolveNpm(
  doc: unknown,
  range: string,
  nodeVersion: string,
  maxMajor: number,
): { version: string; node_supported: '0' | '1'; node_engines: string };

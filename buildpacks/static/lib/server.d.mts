import type { Server } from 'node:http';

export const MIME_TYPES: Record<string, string>;
export function contentType(file: string): string;
export function safeRelativePath(pathname: string): string | null;
export function createStaticServer(options: { root: string; log?: (line: string) => void }): Server;
export function main(argv?: string[], env?: NodeJS.ProcessEnv): Server;

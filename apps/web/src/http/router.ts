import type { IncomingMessage, ServerResponse } from 'node:http';
import { NotFound } from '@gantry/core';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteMatch<Ctx> {
  handler: RouteHandler<Ctx>;
  params: Record<string, string>;
}

export interface RequestParts {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
}

export type RouteHandler<Ctx> = (ctx: Ctx, parts: RequestParts) => Promise<void>;

interface Entry<Ctx> {
  method: Method;
  pattern: string;
  segments: string[];
  handler: RouteHandler<Ctx>;
}

/** A small path router: "/apps/:app/releases/:version" patterns, exact segment matching. */
export class Router<Ctx> {
  private readonly entries: Entry<Ctx>[] = [];

  add(method: Method, pattern: string, handler: RouteHandler<Ctx>): this {
    this.entries.push({ method, pattern, segments: split(pattern), handler });
    return this;
  }

  /** Every registered route, for the route listing and documentation checks. */
  list(): { method: Method; pattern: string }[] {
    return this.entries.map(({ method, pattern }) => ({ method, pattern }));
  }

  match(method: string, path: string): RouteMatch<Ctx> | { allowed: Method[] } {
    const parts = split(path);
    const allowed: Method[] = [];
    for (const e of this.entries) {
      const params = matchSegments(e.segments, parts);
      if (!params) continue;
      if (e.method === method) return { handler: e.handler, params };
      allowed.push(e.method);
    }
    if (allowed.length === 0) throw new NotFound('Route', `${method} ${path}`);
    return { allowed };
  }
}

function split(path: string): string[] {
  return path.split('/').filter(Boolean);
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    let v: string;
    try {
      v = decodeURIComponent(parts[i]!);
    } catch {
      return null;
    }
    if (p.startsWith(':')) params[p.slice(1)] = v;
    else if (p !== v) return null;
  }
  return params;
}

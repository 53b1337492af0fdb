/**
 * apps/web/openapi.yaml against the real router: every registered route is documented, every
 * documented route is registered, and the document holds together (refs resolve, errors share
 * one shape, only the public routes go without a token).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SIZES } from '@gantry/core';
import { apiRouter } from './index';
import { OPENAPI_FILE } from './routes/openapi';

type Operation = {
  summary?: string;
  security?: unknown[];
  responses?: Record<string, unknown>;
  parameters?: { $ref?: string; name?: string; in?: string }[];
  'x-gantry-upgrade'?: string;
};
type Doc = {
  openapi: string;
  security?: unknown[];
  paths: Record<string, Record<string, Operation | unknown>>;
  components: Record<string, Record<string, unknown>>;
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** Routes anyone may call (no token). */
const PUBLIC = ['GET /health', 'GET /openapi.yaml', 'POST /auth/login', 'POST /auth/session', 'DELETE /auth/session'];

const doc = parse(readFileSync(OPENAPI_FILE, 'utf8')) as Doc;

/** "/apps/:app/releases/:version" -> "/apps/{app}/releases/{version}". */
const toOpenApi = (pattern: string) => pattern.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function operations(): { key: string; path: string; method: string; op: Operation; pathParams: Operation['parameters'] }[] {
  const out = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method] as Operation | undefined;
      if (op) out.push({ key: `${method.toUpperCase()} ${path}`, path, method, op, pathParams: (item.parameters as Operation['parameters']) ?? [] });
    }
  }
  return out;
}

/** Operations served outside the request router (HTTP Upgrade: gantry run). */
const upgradeOnly = () => operations().filter((o) => o.op['x-gantry-upgrade']);

describe('openapi.yaml', () => {
  const registered = apiRouter()
    .list()
    .map((r) => `${r.method} ${toOpenApi(r.pattern)}`);

  it('parses as OpenAPI 3.1 with paths', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(10);
  });

  it('documents every registered route', () => {
    const documented = new Set(operations().map((o) => o.key));
    expect(registered.filter((k) => !documented.has(k))).toEqual([]);
  });

  it('documents no route that is not registered (the Upgrade-only `gantry run` aside)', () => {
    const known = new Set(registered);
    const extra = operations()
      .filter((o) => !o.op['x-gantry-upgrade'])
      .map((o) => o.key)
      .filter((k) => !known.has(k));
    expect(extra).toEqual([]);
    expect(upgradeOnly().map((o) => o.key)).toEqual(['POST /apps/{app}/dynos']);
  });

  it('gives every operation a summary, responses, and its path parameters', () => {
    for (const { key, path, op, pathParams } of operations()) {
      expect(op.summary, key).toBeTruthy();
      expect(Object.keys(op.responses ?? {}).length, key).toBeGreaterThan(0);
      const declared = [...(pathParams ?? []), ...(op.parameters ?? [])].map((p) => (p.$ref ? (resolve(p.$ref) as { name: string; in: string }) : p)).filter((p) => p.in === 'path');
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(declared.map((p) => p.name).sort(), key).toEqual(inPath.sort());
    }
  });

  it('asks for the bearer token everywhere but on the public routes, and documents 401 there', () => {
    expect(doc.security).toEqual([{ bearer: [] }]);
    for (const { key, op } of operations()) {
      const isPublic = PUBLIC.includes(key);
      expect(op.security === undefined ? 'bearer' : op.security.length === 0 ? 'public' : 'other', key).toBe(isPublic ? 'public' : 'bearer');
      if (!isPublic) expect(op.responses?.['401'], key).toBeDefined();
    }
  });

  it('documents 403 and 404 on every app route', () => {
    for (const { key, op } of operations().filter((o) => o.path.startsWith('/apps/{app}'))) {
      expect(op.responses?.['403'], key).toBeDefined();
      expect(op.responses?.['404'], key).toBeDefined();
    }
  });

  it('resolves every $ref', () => {
    const refs = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) (k === '$ref' && typeof x === 'string' ? refs.add(x) : walk(x));
      }
    };
    walk(doc);
    for (const ref of refs) expect(resolve(ref), ref).toBeDefined();
  });

  it('names the instance sizes Gantry has', () => {
    expect((doc.components.schemas!.Size as { enum: string[] }).enum).toEqual(SIZES.map((s) => s.name));
  });
});

function resolve(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
}

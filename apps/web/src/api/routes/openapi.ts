import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Router } from '../../http/router';
import type { ApiDeps } from '../deps';

/** apps/web/openapi.yaml: the API's description, checked against the router by openapi.test.ts. */
export const OPENAPI_FILE = fileURLToPath(new URL('../../../openapi.yaml', import.meta.url));

export function openapiRoutes(r: Router<ApiDeps>, file = OPENAPI_FILE): void {
  let text: Promise<Buffer> | undefined;
  /** Unauthenticated, like /health: the description holds no data of any app. */
  r.add('GET', '/openapi.yaml', async (_deps, { res }) => {
    text ??= readFile(file);
    const body = await text.catch((err: unknown) => {
      text = undefined;
      throw err;
    });
    res.writeHead(200, { 'content-type': 'application/yaml; charset=utf-8', 'content-length': body.length, 'cache-control': 'public, max-age=300' });
    res.end(body);
  });
}

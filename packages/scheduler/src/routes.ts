import type { Backend, Route, RouteOptions } from './types';

export interface RoutableInstance {
  id: string;
  type: string;
  index: number;
  healthy: boolean;
  address: string;
  port: number | null;
}

/** The route of an app: its healthy web instances (an empty list still routes, to a 503). */
export function routeFor(app: { id: string; name: string }, instances: RoutableInstance[], options?: RouteOptions): Route {
  const backends: Backend[] = instances
    .filter((i) => i.type === 'web' && i.healthy && i.port !== null)
    .sort((a, b) => a.index - b.index)
    .map((i) => ({ id: i.id, host: i.address, port: i.port!, process: `${i.type}.${i.index}` }));
  return { app: app.name, appId: app.id, backends, ...(options ? { options } : {}) };
}

export function hostnameFor(appName: string, appsDomain: string): string {
  return `${appName}.${appsDomain}`.toLowerCase();
}

/** True when two routes send traffic to the same backends, with the same options. */
export function sameBackends(a: Route | null, b: Route | null): boolean {
  if (!a || !b) return a === b;
  if (JSON.stringify(a.options ?? null) !== JSON.stringify(b.options ?? null)) return false;
  if (a.backends.length !== b.backends.length) return false;
  return a.backends.every((x, i) => {
    const y = b.backends[i]!;
    return x.id === y.id && x.host === y.host && x.port === y.port;
  });
}

import { describe, expect, it } from 'vitest';
import { hostnameFor, routeFor, sameBackends } from './routes';

const app = { id: 'id', name: 'shop' };

describe('routes', () => {
  it('routes to healthy web instances with a port, in index order', () => {
    const route = routeFor(app, [
      { id: 'w2', type: 'web', index: 2, healthy: true, address: '10.0.0.1', port: 32001 },
      { id: 'w1', type: 'web', index: 1, healthy: true, address: '10.0.0.1', port: 32000 },
      { id: 'w3', type: 'web', index: 3, healthy: false, address: '10.0.0.1', port: 32002 },
      { id: 'k1', type: 'worker', index: 1, healthy: true, address: '10.0.0.1', port: null },
    ]);
    expect(route).toEqual({
      app: 'shop',
      appId: 'id',
      backends: [
        { id: 'w1', host: '10.0.0.1', port: 32000, process: 'web.1' },
        { id: 'w2', host: '10.0.0.1', port: 32001, process: 'web.2' },
      ],
    });
  });

  it('keeps an empty route (503) when nothing is healthy', () => {
    expect(routeFor(app, []).backends).toEqual([]);
  });

  it('compares backends', () => {
    const a = routeFor(app, [{ id: 'w1', type: 'web', index: 1, healthy: true, address: 'h', port: 1 }]);
    const b = routeFor(app, [{ id: 'w1', type: 'web', index: 1, healthy: true, address: 'h', port: 2 }]);
    expect(sameBackends(a, a)).toBe(true);
    expect(sameBackends(a, b)).toBe(false);
    expect(sameBackends(null, a)).toBe(false);
  });

  it('builds lowercase hostnames', () => expect(hostnameFor('Shop', 'Apps.Example.com')).toBe('shop.apps.example.com'));
});

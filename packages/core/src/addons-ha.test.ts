import { describe, expect, it } from 'vitest';
import { HA_PROCESS_TYPES, haServerConfig, haVolumeName, parseHaStatus } from './addons';

describe('HA add-ons', () => {
  it('reads what gantry-ha-status prints', () => {
    const s = parseHaStatus('{"leader":"pg2.1","members":[{"name":"pg1.1","role":"replica","state":"streaming","host":"pg1.1.x.internal","timeline":3,"lagBytes":0},{"name":"pg2.1","role":"primary","state":"running","host":"pg2.1.x.internal","timeline":3,"lagBytes":null}],"sync":["pg1.1"]}');
    expect(s.leader).toBe('pg2.1');
    expect(s.members.map((m) => [m.name, m.role, m.lagBytes])).toEqual([
      ['pg1.1', 'replica', 0],
      ['pg2.1', 'primary', null],
    ]);
    expect(s.sync).toEqual(['pg1.1']);
    expect(parseHaStatus('{"leader":null,"members":[],"sync":[]}')).toEqual({ leader: null, members: [], sync: [] });
  });

  it('refuses anything else', () => {
    expect(() => parseHaStatus('etcdserver: request timed out')).toThrow();
    expect(() => parseHaStatus('{"leader":"pg1.1"}')).toThrow(/not an HA status/);
  });

  it('names the volumes and the etcd address of an add-on', () => {
    expect(Object.keys(HA_PROCESS_TYPES)).toEqual(['pg1', 'pg2', 'etcd']);
    expect(haVolumeName('postgres-x', 'pg1')).toBe('postgres-x-data');
    expect(haVolumeName('postgres-x', 'etcd')).toBe('postgres-x-etcd-data');
    const env = haServerConfig('postgres-x', { etcdPassword: 'e', replicationPassword: 'r', superuserPassword: 's' });
    expect(env).toMatchObject({ GANTRY_PG_HA_SCOPE: 'postgres-x', GANTRY_PG_HA_ETCD: 'etcd.postgres-x.internal:2379' });
  });
});

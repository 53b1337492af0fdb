import { describe, expect, it } from 'vitest';
import { createRoleSql, hasFinalCheckpoint, parseControlData, parseLsn, replicationCredentials, standbyArgv, superSql } from './pg-standby-plan';

describe('Postgres move by replication: the pure parts', () => {
  it('reads LSNs as byte positions', () => {
    expect(parseLsn('0/3000028')).toBe(0x3000028n);
    expect(parseLsn('16/B374D848\n')).toBe((0x16n << 32n) + 0xb374d848n);
    expect(() => parseLsn('')).toThrow('not an LSN');
    expect(() => parseLsn("0/1'; DROP")).toThrow('not an LSN');
  });

  it("reads pg_controldata's state and last checkpoint", () => {
    const out = 'pg_control version number:            1300\nDatabase cluster state:               shut down\nLatest checkpoint location:           0/5000060\nLatest checkpoint\'s REDO location:    0/5000060\n';
    expect(parseControlData(out)).toEqual({ state: 'shut down', checkpoint: 0x5000060n });
    expect(() => parseControlData('nothing')).toThrow('no cluster state');
  });

  it('counts the final checkpoint as received only once replay is past its start', () => {
    expect(hasFinalCheckpoint(0x50000d8n, 0x5000060n)).toBe(true);
    expect(hasFinalCheckpoint(0x5000060n, 0x5000060n)).toBe(false);
  });

  it('makes generated replication credentials, and runs SQL as argv over the local socket', () => {
    const c = replicationCredentials();
    expect(c.user).toMatch(/^gantry_move_[0-9a-f]{8}$/);
    expect(c.slot).toBe(c.user);
    expect(c.password).toMatch(/^[0-9a-f]{48}$/);
    expect(createRoleSql(c)).toBe(`CREATE ROLE "${c.user}" WITH REPLICATION LOGIN PASSWORD '${c.password}'`);
    expect(superSql('SELECT 1')).toEqual(['psql', '-X', '-h', '/run/postgresql', '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-At', '-c', 'SELECT 1']);
    // The standby script is a constant: the primary, role and slot come in as environment values.
    const [bash, flag, script] = standbyArgv();
    expect([bash, flag]).toEqual(['bash', '-c']);
    expect(script).toContain('-h "$PRIMARY_HOST"');
    expect(script).toContain('-R -X stream -C -S "$REPL_SLOT"');
    expect(script).not.toMatch(/gantry_move_/);
  });
});

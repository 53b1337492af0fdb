import { describe, expect, it } from 'vitest';
import { PeerLiveness } from './liveness';

describe('PeerLiveness', () => {
  it('marks a peer down after 2 failures in a row and up after 1 success', () => {
    const l = new PeerLiveness('self');
    l.record('h2', false);
    expect([...l.down()]).toEqual([]);
    l.record('h2', true);
    l.record('h2', false);
    expect([...l.down()]).toEqual([]);
    l.record('h2', false);
    expect([...l.down()]).toEqual(['h2']);
    l.record('h2', false);
    expect([...l.down()]).toEqual(['h2']);
    l.record('h2', true);
    expect([...l.down()]).toEqual([]);
  });

  it('never marks this host down', () => {
    const l = new PeerLiveness('self');
    for (let i = 0; i < 5; i++) l.record('self', false);
    expect(l.down().size).toBe(0);
  });

  it('forgets peers that left the state', () => {
    const l = new PeerLiveness('self');
    l.record('h2', false);
    l.record('h2', false);
    l.record('h3', false);
    l.record('h3', false);
    l.setPeers(['h3']);
    expect([...l.down()]).toEqual(['h3']);
    l.setPeers(['h2', 'h3']);
    l.record('h2', false);
    expect([...l.down()]).toEqual(['h3']); // h2 starts counting again
  });
});

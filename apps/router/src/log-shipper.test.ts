import { describe, expect, it } from 'vitest';
import { RouterLogShipper } from './log-shipper';

function recorder() {
  const got: Array<{ appId: string; text: string }> = [];
  return { got, sink: { appendText: async (appId: string, _s: string, _p: string, text: string | Buffer) => void got.push({ appId, text: text.toString() }) } };
}

describe('RouterLogShipper', () => {
  it('sends each app its lines, newline-separated, in order, in one write per flush', async () => {
    const { got, sink } = recorder();
    const shipper = new RouterLogShipper(sink, 60_000);
    shipper.ship('a', 'at=info path="/" status=200');
    shipper.ship('b', 'at=info path="/b"');
    shipper.ship('a', 'at=info path="/é✓" status=404');
    await shipper.flush();
    expect(got).toEqual([
      { appId: 'a', text: 'at=info path="/" status=200\nat=info path="/é✓" status=404' },
      { appId: 'b', text: 'at=info path="/b"' },
    ]);
    await shipper.flush();
    expect(got).toHaveLength(2); // nothing pending, nothing sent
  });

  it('grows past its first buffer without losing bytes', async () => {
    const { got, sink } = recorder();
    const shipper = new RouterLogShipper(sink, 60_000);
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i} ${'x'.repeat(200)}`);
    for (const l of lines) shipper.ship('a', l);
    await shipper.flush();
    expect(got[0]!.text.split('\n')).toEqual(lines);
  });

  it('keeps a line with a newline inside as one line', async () => {
    const { got, sink } = recorder();
    const shipper = new RouterLogShipper(sink, 60_000);
    shipper.ship('a', 'one\ntwo');
    await shipper.flush();
    expect(got[0]!.text).toBe('one two');
  });

  it('drops lines beyond maxPending per app, and counts them', async () => {
    const { got, sink } = recorder();
    const shipper = new RouterLogShipper(sink, 60_000, 2);
    for (const l of ['1', '2', '3']) shipper.ship('a', l);
    await shipper.flush();
    expect(got[0]!.text).toBe('1\n2');
    expect(shipper.dropped).toBe(1);
  });
});

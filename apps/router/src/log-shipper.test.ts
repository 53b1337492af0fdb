import { describe, expect, it } from 'vitest';
import { RouterLogShipper } from './log-shipper';

function recorder() {
  const got: Array<{ appId: string; text: string }> = [];
  return { got, sink: { appendText: async (appId: string, _s: string, _p: string, text: string | Buffer) => void got.push({ appId, text: text.toString() }) } };
}

describe('RouterLogShipper', () => {
  it('sends each app its lines, newline-separated, in order, in one write per flush', async () => {
    const { got, sink } = recorder();
    const shipper = new RouterLogShipper(sink, { flushMs: 60_000 });
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
    const shipper = new RouterLogShipper(sink, { flushMs: 60_000 });
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i} ${'x'.repeat(200)}`);
    for (const l of lines) shipper.ship('a', l);
    await shipper.flush();
    expect(got[0]!.text.split('\n')).toEqual(lines);
  });

  it('keeps a line with a newline inside as one line', async () => {
    const { got, sink } = recorder();
    const shipper = new RouterLogShipper(sink, { flushMs: 60_000 });
    shipper.ship('a', 'one\ntwo');
    await shipper.flush();
    expect(got[0]!.text).toBe('one two');
  });

  it('drops lines beyond maxPending per app, and counts them', async () => {
    const { got, sink } = recorder();
    const shipper = new RouterLogShipper(sink, { flushMs: 60_000, maxPending: 2 });
    for (const l of ['1', '2', '3']) shipper.ship('a', l);
    await shipper.flush();
    expect(got[0]!.text).toBe('1\n2');
    expect(shipper.dropped).toBe(1);
  });

  it('reuses a batch buffer only after Redis answered for it: bytes in flight are never overwritten', async () => {
    const sent: Buffer[] = [];
    const answers: Array<() => void> = [];
    const sink = {
      appendText: (_appId: string, _s: string, _p: string, text: string | Buffer) => {
        sent.push(text as Buffer);
        return new Promise<void>((resolve) => answers.push(resolve));
      },
    };
    const shipper = new RouterLogShipper(sink, { flushMs: 60_000 });
    shipper.ship('a', 'first batch');
    const first = shipper.flush();
    // Not answered yet: the next batch must not write into the first one's buffer.
    shipper.ship('a', 'SECOND BATCH');
    const second = shipper.flush();
    expect(sent.map((b) => b.toString())).toEqual(['first batch', 'SECOND BATCH']);
    expect(sent[1]!.buffer).not.toBe(sent[0]!.buffer);
    answers[0]!();
    await first;
    // Answered: its buffer takes the next batch.
    shipper.ship('a', 'third');
    void shipper.flush();
    expect(sent[2]!.buffer).toBe(sent[0]!.buffer);
    expect(sent[2]!.toString()).toBe('third');
    expect(sent[1]!.toString()).toBe('SECOND BATCH');
    answers[1]!();
    answers[2]!();
    await second;
  });

  it('holds at most maxInFlight unanswered flushes: later batches are dropped, counted and logged once, until Redis answers', async () => {
    const answers: Array<() => void> = [];
    const sent: string[] = [];
    const sink = {
      appendText: (_appId: string, _s: string, _p: string, text: string | Buffer) => {
        sent.push(text.toString());
        return new Promise<void>((resolve) => answers.push(resolve));
      },
    };
    const lines: string[] = [];
    const log = { debug: () => {}, info: (m: string) => void lines.push(m), warn: (m: string) => void lines.push(m), error: () => {} };
    const shipper = new RouterLogShipper(sink, { flushMs: 60_000, maxInFlight: 2, log });
    const waiting: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) {
      shipper.ship('a', `batch ${i} line 1`);
      shipper.ship('b', `batch ${i} line 2`);
      waiting.push(shipper.flush());
    }
    expect(sent).toEqual(['batch 0 line 1', 'batch 0 line 2', 'batch 1 line 1', 'batch 1 line 2']);
    expect(shipper.dropped).toBe(6);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/code=request_lines_dropped/);
    for (const answer of answers.splice(0)) answer();
    await Promise.all(waiting);
    shipper.ship('a', 'after');
    const last = shipper.flush();
    expect(sent.at(-1)).toBe('after');
    answers.splice(0).forEach((a) => a());
    await last;
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/again \(6 dropped/);
  });
});

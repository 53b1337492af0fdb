import { describe, expect, it } from 'vitest';
import { FRAME, FrameDecoder, decodeRunOptions, encodeFrame, encodeRunOptions } from './run-frames';

describe('run frames', () => {
  it('round-trips frames split at any byte', () => {
    const bytes = Buffer.concat([encodeFrame(FRAME.stdout, 'hello'), encodeFrame(FRAME.stdinEnd), encodeFrame(FRAME.exit, '3')]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new FrameDecoder();
      const frames = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(frames.map((f) => [f.kind, f.payload.toString()])).toEqual([
        [FRAME.stdout, 'hello'],
        [FRAME.stdinEnd, ''],
        [FRAME.exit, '3'],
      ]);
    }
  });

  it('refuses oversized frames', () => {
    const head = Buffer.from([FRAME.stdin, 0xff, 0xff, 0xff, 0xff]);
    expect(() => new FrameDecoder().push(head)).toThrow(/too large/);
  });

  it('carries the options in a header-safe string', () => {
    const o = { argv: ['sh', '-c', 'echo "é"; exit 3'], env: { A: '1' }, tty: false };
    const h = encodeRunOptions(o);
    expect(h).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeRunOptions(h)).toEqual(o);
  });
});

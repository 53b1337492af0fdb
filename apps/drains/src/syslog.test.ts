import { describe, expect, it } from 'vitest';
import { logplexRequest } from './logplex';
import { framedBatch, headerField, octetFrame, parseFrames, syslogMessage } from './syslog';

const TOKEN = 'd.0f3c8a52-1c1e-4b8e-9a57-8b0a4d1e2f3a';
const at = Date.UTC(2026, 10, 21, 13, 0, 0, 123);

describe('syslog messages', () => {
  it.each([
    [{ source: 'app', process: 'web.1', line: 'Listening on 5000' }, `<190>1 2026-11-21T13:00:00.123Z ${TOKEN} app web.1 - - Listening on 5000`],
    [{ source: 'router', process: 'router', line: 'at=info method=GET path="/" status=200' }, `<190>1 2026-11-21T13:00:00.123Z ${TOKEN} router router - - at=info method=GET path="/" status=200`],
    [{ source: 'gantry', process: '', line: 'Release v3 deployed' }, `<190>1 2026-11-21T13:00:00.123Z ${TOKEN} gantry - - - Release v3 deployed`],
    [{ source: 'build', process: 'build 2', line: '' }, `<190>1 2026-11-21T13:00:00.123Z ${TOKEN} build build_2 - - `],
  ] as const)('formats %j', (e, expected) => {
    expect(syslogMessage({ time: at, ...e }, TOKEN)).toBe(expected);
  });

  it('keeps header fields to printable ASCII within their length', () => {
    expect(headerField('wéb 1\n', 128)).toBe('w_b_1_');
    expect(headerField('x'.repeat(60), 48)).toHaveLength(48);
    expect(headerField('', 48)).toBe('-');
  });
});

describe('octet counting', () => {
  it('counts bytes, not characters', () => {
    expect(octetFrame('abc')).toBe('3 abc');
    expect(octetFrame('héllo ✓')).toBe('10 héllo ✓'); // é is 2 bytes, ✓ is 3
  });

  it('frames a batch a receiver can split again, whatever the lines hold', () => {
    const lines = ['plain', 'two\nlines', '12 looks like a frame', 'ünïcödé ✓', ''];
    const batch = framedBatch(lines.map((line, i) => ({ time: at + i, source: 'app', process: 'web.1', line })), TOKEN);
    const buf = Buffer.from(batch);
    const { messages, rest } = parseFrames(buf);
    expect(rest.length).toBe(0);
    expect(messages.map((m) => m.split(' - - ').slice(1).join(' - - '))).toEqual(lines);

    const cut = parseFrames(buf.subarray(0, buf.length - 3));
    expect(cut.messages).toHaveLength(lines.length - 1);
    expect(parseFrames(Buffer.concat([cut.rest, buf.subarray(buf.length - 3)])).messages).toEqual(messages.slice(-1));
  });
});

describe('logplex requests', () => {
  it('carries the count, frame id and token, with the frames as body', () => {
    const entries = [{ time: at, source: 'app' as const, process: 'web.1', line: 'a' }, { time: at, source: 'app' as const, process: 'web.1', line: 'b' }];
    const { headers, body } = logplexRequest(entries, TOKEN, 'f-1');
    expect(headers).toMatchObject({ 'content-type': 'application/logplex-1', 'logplex-msg-count': '2', 'logplex-frame-id': 'f-1', 'logplex-drain-token': TOKEN, 'content-length': String(body.length) });
    expect(body.toString()).toBe(framedBatch(entries, TOKEN));
  });
});

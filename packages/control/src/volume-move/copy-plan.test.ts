import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { Demux, demuxText, listArgv, listingProblem, packArgv, parseListing, unpackArgv } from './copy-plan';

const frame = (id: number, data: string) => {
  const header = Buffer.alloc(8);
  header[0] = id;
  header.writeUInt32BE(Buffer.byteLength(data), 4);
  return Buffer.concat([header, Buffer.from(data)]);
};

describe('helper argv', () => {
  it('packs and unpacks the mounted volume with numeric owners, as arrays', () => {
    expect(packArgv()).toEqual(['tar', '--numeric-owner', '-C', '/v', '-cf', '-', '.']);
    expect(unpackArgv()).toEqual(['tar', '--numeric-owner', '--same-owner', '-C', '/v', '-xpf', '-']);
    expect(listArgv().slice(0, 4)).toEqual(['find', '/v', '-mindepth', '1']);
    expect(listArgv()).toContain('f %s %m %U:%G %P\\0');
  });
});

describe('listings', () => {
  const source = parseListing('f 5 644 1000:1000 a.txt\0d - 755 1000:1000 sub\0f 7 600 0:0 sub/b\0');

  it('counts regular files and their bytes, in an order-free digest', () => {
    expect(source).toMatchObject({ entries: 3, files: 2, bytes: 12 });
    expect(parseListing('f 7 600 0:0 sub/b\0d - 755 1000:1000 sub\0f 5 644 1000:1000 a.txt\0').digest).toBe(source.digest);
  });

  it('accepts an identical copy and names the first difference of another', () => {
    expect(listingProblem(source, parseListing('d - 755 1000:1000 sub\0f 5 644 1000:1000 a.txt\0f 7 600 0:0 sub/b\0'))).toBeNull();
    const short = parseListing('f 5 644 1000:1000 a.txt\0d - 755 1000:1000 sub\0f 3 600 0:0 sub/b\0');
    expect(listingProblem(source, short)).toBe(
      'the copy does not match the source: 2 files / 12 bytes on the source, 2 files / 8 bytes on the target; sub/b differs or is missing on the target (source: f 7 600 0:0 sub/b)',
    );
    const more = parseListing('f 5 644 1000:1000 a.txt\0d - 755 1000:1000 sub\0f 7 600 0:0 sub/b\0f 1 644 0:0 x\0');
    expect(listingProblem(source, more)).toContain('the target has x');
  });

  it('reads file names with spaces whole', () => {
    const l = parseListing('f 2 644 0:0 my file.txt\0');
    expect(listingProblem(parseListing(''), l)).toContain('the target has my file.txt');
  });
});

describe('Demux', () => {
  it('passes stdout on and hands stderr aside, across chunk boundaries', async () => {
    const bytes = Buffer.concat([frame(1, 'hello '), frame(2, 'warn'), frame(1, 'world')]);
    const chunks = [bytes.subarray(0, 3), bytes.subarray(3, 17), bytes.subarray(17)];
    const err: Buffer[] = [];
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks), new Demux((b) => err.push(b)), new Writable({ write: (c, _e, cb) => (out.push(c), cb()) }));
    expect(Buffer.concat(out).toString()).toBe('hello world');
    expect(Buffer.concat(err).toString()).toBe('warn');
  });

  it('fails when the stream ends inside a frame', async () => {
    const cut = frame(1, 'truncated').subarray(0, 10);
    await expect(pipeline(Readable.from([cut]), new Demux(() => {}), new Writable({ write: (_c, _e, cb) => cb() }))).rejects.toThrow('ended inside a frame');
  });
});

describe('demuxText', () => {
  it('joins the frames of a whole logs buffer, whatever their length bytes are', () => {
    expect(demuxText(Buffer.concat([frame(1, 'A'.repeat(65)), frame(2, '\nDatabase cluster state: shut down\n')]))).toBe(`${'A'.repeat(65)}\nDatabase cluster state: shut down\n`);
  });
});

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLoadResponse } from './images';

describe('lab images', () => {
  it('reads a docker load response', async () => {
    const body = Readable.from(['{"stream":"Loaded image: gantry/stack:bookworm\\n"}\r\n']);
    expect(await readLoadResponse(body)).toEqual(['Loaded image: gantry/stack:bookworm']);
  });

  it('fails on an error message in it', async () => {
    const body = Readable.from(['{"errorDetail":{"message":"no space left on device"},"error":"no space left on device"}\n']);
    await expect(readLoadResponse(body)).rejects.toThrow('no space left on device');
  });
});

import type { IncomingMessage } from 'node:http';
import { InvalidInput, PayloadTooLarge } from '@gantry/core';

/** Reads a request body up to `limit` bytes; a larger body is refused as soon as it is seen. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new PayloadTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new PayloadTooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads a JSON object body; empty bodies are {}. */
export async function readJson(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const raw = await readBody(req, limit);
  if (raw.length === 0) return {};
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) throw new InvalidInput('Send the request body as application/json.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new InvalidInput('The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidInput('The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

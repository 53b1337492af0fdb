/**
 * Character classes of HTTP/1.1 (RFC 9110, 9112), as lookup tables by character code:
 * request-target (visible ASCII), token (field names, methods) and field value (HTAB, SP,
 * visible ASCII, obs-text), and the checks Node applies before it sends a head.
 */
export const TARGET = new Uint8Array(256);
export const TOKEN = new Uint8Array(256);
export const VALUE = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) TARGET[c] = 1;
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = TOKEN[c + 0x20] = 1;
VALUE[0x09] = 1;
for (let c = 0x20; c <= 0x7e; c++) VALUE[c] = 1;
for (let c = 0x80; c <= 0xff; c++) VALUE[c] = 1;

/** A non-empty token (a valid field name). */
export function isToken(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TOKEN[c] !== 1) return false;
  }
  return true;
}

/** A valid field value (or reason phrase): no control characters but HTAB, latin1 only. */
export function isFieldValue(s: string): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || VALUE[c] !== 1) return false;
  }
  return true;
}

/**
 * Character classes of HTTP/1.1 (RFC 9110, 9112), as lookup tables by character code:
 * request-target (visible ASCII), token (field names, methods) and field value (HTAB, SP,
 * visible ASCII, obs-text), the checks Node applies before it sends a head, and line endings.
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

/**
 * An incomplete head (no CRLF CRLF yet in `buf`) has a line ending that is not CRLF: an LF
 * without CR before it, or a CR followed by anything but LF. Such a head never ends the way
 * HTTP/1.1 says (RFC 9112 2.2): waiting for the rest would only end in a timeout, so the
 * client lane hands it to Node's parser, which refuses it at once (400), and the response
 * parser refuses an instance's (502). Looks at `buf` from `from` (bytes before were looked at
 * already; a CR at the very end may still be followed by its LF).
 */
export function hasStrayLineEnd(buf: Uint8Array, from: number): boolean {
  const n = buf.length;
  for (let i = from > 0 ? from - 1 : 0; i < n; i++) {
    const c = buf[i]!;
    if (c === 0x0a) {
      if (i === 0 || buf[i - 1] !== 0x0d) return true;
    } else if (c === 0x0d && i + 1 < n && buf[i + 1] !== 0x0a) return true;
  }
  return false;
}

/** Size limits of client requests (configurable constants for now). */
export interface RouterLimits {
  /** Request bodies above this many bytes get 413 (a larger Content-Length before anything is forwarded). */
  maxBodyBytes: number;
  /** Request heads (request line and header fields) above this many bytes get 431 (Node's maxHeaderSize). */
  maxHeaderBytes: number;
}

export const DEFAULT_LIMITS: RouterLimits = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
};

/** The request declares a body larger than the limit (Content-Length). */
export function declaresTooLargeBody(contentLength: string | undefined, maxBodyBytes: number): boolean {
  return contentLength !== undefined && contentLength.length >= 1 && Number(contentLength) > maxBodyBytes;
}

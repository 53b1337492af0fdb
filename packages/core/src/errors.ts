/**
 * Domain errors with stable ids. Domain code throws these; only the edges (HTTP API, CLI, git
 * hook) turn them into status codes and messages for people.
 */
export type ErrorId =
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'invalid_input'
  | 'destination_refused'
  | 'name_taken'
  | 'conflict'
  | 'payload_too_large'
  | 'unavailable'
  | 'rate_limited'
  | 'backup_failed'
  | 'internal';

export class GantryError extends Error {
  constructor(
    readonly id: ErrorId,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class Unauthenticated extends GantryError {
  constructor(message = 'Authentication required: run `gantry login` or pass a valid token.') {
    super('unauthenticated', message);
  }
}

export class Forbidden extends GantryError {
  constructor(message = 'You do not have access to this resource.') {
    super('forbidden', message);
  }
}

export class NotFound extends GantryError {
  constructor(kind: string, key: string) {
    super('not_found', `${kind} ${JSON.stringify(key)} not found.`, { kind, key });
  }
}

export class InvalidInput extends GantryError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('invalid_input', message, details);
  }
}

/**
 * A destination a user supplied (drain, buildpack URL, webhook) is not a public address: it was
 * not contacted. `details` carries the address, the reason ("private", "loopback"...) and range.
 */
export class DestinationRefused extends GantryError {
  constructor(message: string, details: Record<string, unknown>) {
    super('destination_refused', message, details);
  }
}

export class NameTaken extends GantryError {
  constructor(name: string) {
    super('name_taken', `The name ${JSON.stringify(name)} is already taken.`, { name });
  }
}

export class Conflict extends GantryError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, details);
  }
}

export class PayloadTooLarge extends GantryError {
  constructor(limitBytes: number) {
    super('payload_too_large', `Request body is larger than the limit of ${limitBytes} bytes.`, { limitBytes });
  }
}

export class Unavailable extends GantryError {
  constructor(message: string) {
    super('unavailable', message);
  }
}

/** A backup could not be taken, stored or checked: loud everywhere (CLI exit code, dashboard, app log). */
export class BackupFailed extends GantryError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('backup_failed', message, details);
  }
}

/** Too many attempts (failed logins...): try again after `retryAfterSeconds`. */
export class RateLimited extends GantryError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super('rate_limited', message, { retryAfterSeconds });
  }
}

/** A program run by Gantry failed: keeps its argv, exit code and output for the report. */
export class ExecError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${argv.join(' ')} exited with ${exitCode ?? 'a signal'}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    this.name = 'ExecError';
  }
}

export function isGantryError(err: unknown): err is GantryError {
  return err instanceof GantryError;
}

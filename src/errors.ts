import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ErrorCode } from './error-codes'

/**
 * The app's error hierarchy: each carries a stable code and the status it answers with. The one
 * `onError` (src/http/errors.tsx) turns it into a page, an htmx fragment or JSON:
 * `{error: {code, message, ...details}, ...alongside}` with `headers` set.
 */
export class AppError extends Error {
  readonly status: ContentfulStatusCode = 500
  readonly code: ErrorCode = 'internal_error'
  /** Response headers the error implies (Retry-After, for example). */
  readonly headers: Record<string, string> = {}
  /** Fields a JSON answer carries beside `error` (a stale review answers with the fresh state). */
  readonly alongside: Record<string, unknown> = {}
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message)
    this.name = new.target.name
  }
}

/** A kind of error with its own status and stable code: `class NotFound extends errorKind(404, 'not_found') {}`. */
export function errorKind(status: ContentfulStatusCode, code: ErrorCode) {
  return class extends AppError {
    override readonly status = status
    override readonly code = code
  }
}

export class BadRequest extends errorKind(400, 'bad_request') {}

/** Invalid input: `fields` maps each field to a sentence a person can act on. */
export class ValidationFailed extends BadRequest {
  override readonly code = 'validation_failed'
  constructor(
    message: string,
    readonly fields: Record<string, string>,
  ) {
    super(message, { fields })
  }
}

export class Unauthorized extends errorKind(401, 'unauthorized') {}
export class Forbidden extends errorKind(403, 'forbidden') {}
export class NotFound extends errorKind(404, 'not_found') {}
export class Conflict extends errorKind(409, 'conflict') {}
export class PayloadTooLarge extends errorKind(413, 'payload_too_large') {}

export class TooManyRequests extends errorKind(429, 'too_many_requests') {
  override readonly headers: Record<string, string>
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message)
    this.headers = { 'Retry-After': String(retryAfterSeconds) }
  }
}

export class ServiceUnavailable extends errorKind(503, 'service_unavailable') {
  override readonly headers: Record<string, string> = { 'Retry-After': '5' }
}

/** The database did not answer: the request may simply be tried again. */
export class DatabaseUnavailable extends ServiceUnavailable {
  override readonly code = 'database_unavailable'
}

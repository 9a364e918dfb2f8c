import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** The app's error hierarchy: each carries a stable code and the status it answers with. */
export class AppError extends Error {
  readonly status: ContentfulStatusCode = 500
  readonly code: string = 'internal_error'
  constructor(message: string, readonly details?: Record<string, unknown>) {
    super(message)
    this.name = new.target.name
  }
}

export class BadRequest extends AppError {
  override readonly status = 400
  override readonly code: string = 'bad_request'
}

/** Invalid input: `fields` maps each field to a sentence a person can act on. */
export class ValidationFailed extends BadRequest {
  override readonly code = 'validation_failed'
  constructor(message: string, readonly fields: Record<string, string>) {
    super(message, { fields })
  }
}

export class Unauthorized extends AppError {
  override readonly status = 401
  override readonly code = 'unauthorized'
}

export class Forbidden extends AppError {
  override readonly status = 403
  override readonly code: string = 'forbidden'
}

export class NotFound extends AppError {
  override readonly status = 404
  override readonly code = 'not_found'
}

export class Conflict extends AppError {
  override readonly status = 409
  override readonly code = 'conflict'
}

export class PayloadTooLarge extends AppError {
  override readonly status = 413
  override readonly code = 'payload_too_large'
}

export class TooManyRequests extends AppError {
  override readonly status = 429
  override readonly code = 'too_many_requests'
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message)
  }
}

export class ServiceUnavailable extends AppError {
  override readonly status = 503
  override readonly code = 'service_unavailable'
}

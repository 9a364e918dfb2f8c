import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ZodError } from 'zod'
import { isDatabaseUnavailable } from '../db/connect'
import { AppError, TooManyRequests, ValidationFailed } from '../errors'
import { ErrorPage } from '../../views/ErrorPage'
import type { AppEnv } from './env'
import { pageContext } from './page-context'
import { fieldErrors, isHtmx, wantsJson } from './respond'

type Shown = { status: ContentfulStatusCode; code: string; message: string; fields?: Record<string, string> }

/** Turns anything thrown into what a person (or a script) can act on; only the unexpected is logged as an error. */
function describe(err: unknown, c: Context<AppEnv>): Shown {
  if (err instanceof ValidationFailed) return { status: 400, code: err.code, message: err.message, fields: err.fields }
  if (err instanceof AppError) return { status: err.status, code: err.code, message: err.message }
  if (err instanceof ZodError) {
    return { status: 400, code: 'validation_failed', message: 'Some fields are not valid.', fields: fieldErrors(err) }
  }
  if (err instanceof HTTPException) return { status: err.status, code: 'http_error', message: err.message || 'Request refused.' }
  if (hasSqlState(err, /^22[0-9A-Z]{3}$/)) {
    // Input the edge checks missed: a client's mistake, answered as one, never a 500.
    c.var.log.warn({ sqlstate: err.code, err: err.message }, 'database refused a value')
    return { status: 400, code: 'invalid_value', message: 'A value in this request is not valid here (for example text with a NUL character, or a malformed id or time).' }
  }
  if (hasSqlState(err, /^23(503|505)$/)) {
    // A row it refers to went, or one like it came, between our check and the write (a race with
    // another request): the request conflicts with what is there now, so it can be tried again.
    c.var.log.warn({ sqlstate: err.code, err: err.message }, 'write conflicted with a concurrent change')
    return { status: 409, code: 'conflict', message: 'Something this request refers to was changed or removed at the same moment. Reload and try again.' }
  }
  if (isDatabaseUnavailable(err)) {
    c.var.log.error({ err: err instanceof Error ? err.message : String(err) }, 'database unavailable')
    return { status: 503, code: 'database_unavailable', message: 'The database is not reachable right now. Try again in a moment.' }
  }
  c.var.log.error({ err }, 'unhandled error')
  return { status: 500, code: 'internal_error', message: 'Something went wrong on our side. It has been logged.' }
}

/**
 * A Postgres error whose SQLSTATE matches: class 22 ("data exception": invalid text, encoding,
 * number or time values) is a client's mistake; 23503/23505 (foreign key, unique) lost a race.
 */
function hasSqlState(err: unknown, state: RegExp): err is Error & { code: string } {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && state.test(err.code)
}

export function renderError(err: unknown, c: Context<AppEnv>): Response | Promise<Response> {
  const shown = describe(err, c)
  if (shown.status === 503) c.header('Retry-After', '5')
  if (err instanceof TooManyRequests) c.header('Retry-After', String(err.retryAfterSeconds))
  if (wantsJson(c)) {
    const { status, ...error } = shown
    return c.json({ error }, status)
  }
  // htmx swaps only 2xx by default: tell it to show the error where the request came from.
  if (isHtmx(c)) c.header('HX-Retarget', '#main')
  return c.html(<ErrorPage ctx={pageContext(c)} status={shown.status} message={shown.message} />, shown.status)
}

export function renderNotFound(c: Context<AppEnv>): Response | Promise<Response> {
  const message = `There is nothing at ${c.req.path}.`
  if (wantsJson(c)) return c.json({ error: { code: 'not_found', message } }, 404)
  return c.html(<ErrorPage ctx={pageContext(c)} status={404} message={message} />, 404)
}

import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ZodError } from 'zod'
import { ErrorPage, ErrorPanel } from '../../views/ErrorPage'
import { sessionUser } from '../auth/middleware'
import { isDatabaseUnavailable } from '../db/connect'
import { type ErrorEntry, logErrorOnly, recordError } from '../error-log/record'
import { AppError, BadRequest, Conflict, DatabaseUnavailable, NotFound, ValidationFailed } from '../errors'
import type { AppEnv } from './env'
import { pageContext } from './page-context'
import { fieldErrors, isHtmx, wantsJson } from './respond'
import { toast } from './toast'

/** What a form shows beside its inputs when the request it sent was refused. */
export type FormProblem = { error: string; fields?: Record<string, string> }
/** Renders the form again (or answers otherwise, e.g. a redirect) for a refused request. */
export type ErrorView = (problem: FormProblem, err: AppError) => JSX.Element | Response | Promise<JSX.Element | Response>

/** Refusals of what the request said (bad values, a stale version, too fast), shown on the form itself. */
const FORM_STATUSES = new Set([400, 409, 422, 429])

/**
 * "If this request is refused, show the form again with its errors": every HTML form route says
 * so once, before it acts, and `onError` renders the view with the error's status. JSON clients,
 * and errors that are not about the input (404, 403, 500), get the usual answer.
 */
export function rerenderOnError(c: Context<AppEnv>, view: ErrorView, shows: (err: AppError) => boolean = (err) => FORM_STATUSES.has(err.status)): void {
  c.set('errorView', { view, shows })
}

/** Turns anything thrown into an AppError a person (or a script) can act on; only the unexpected is logged as an error. */
function asAppError(err: unknown, c: Context<AppEnv>): AppError {
  if (err instanceof AppError) return err
  if (err instanceof ZodError) return new ValidationFailed('Some fields are not valid.', fieldErrors(err))
  if (err instanceof HTTPException) return new HttpError(err.message || 'Request refused.', err.status)
  if (hasSqlState(err, /^22[0-9A-Z]{3}$/)) {
    // Input the edge checks missed: a client's mistake, answered as one, never a 500.
    c.var.log.warn({ sqlstate: err.code, err: err.message }, 'database refused a value')
    return new InvalidValue('A value in this request is not valid here (for example text with a NUL character, or a malformed id or time).')
  }
  if (hasSqlState(err, /^23(503|505)$/)) {
    // A row it refers to went, or one like it came, between our check and the write (a race with
    // another request): the request conflicts with what is there now, so it can be tried again.
    c.var.log.warn({ sqlstate: err.code, err: err.message }, 'write conflicted with a concurrent change')
    return new Conflict('Something this request refers to was changed or removed at the same moment. Reload and try again.')
  }
  if (isDatabaseUnavailable(err)) {
    c.var.log.error({ err: err instanceof Error ? err.message : String(err) }, 'database unavailable')
    return new DatabaseUnavailable('The database is not reachable right now. Try again in a moment.')
  }
  return new AppError('Something went wrong on our side. It has been logged.')
}

class InvalidValue extends BadRequest {
  override readonly code = 'invalid_value'
}

class HttpError extends AppError {
  override readonly code = 'http_error'
  constructor(
    message: string,
    override readonly status: ContentfulStatusCode,
  ) {
    super(message)
  }
}

/**
 * A Postgres error whose SQLSTATE matches: class 22 ("data exception": invalid text, encoding,
 * number or time values) is a client's mistake; 23503/23505 (foreign key, unique) lost a race.
 */
function hasSqlState(err: unknown, state: RegExp): err is Error & { code: string } {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && state.test(err.code)
}

/**
 * A 5xx is unexpected: it goes to the error log with what the request was, and its reference goes
 * into the answer for the person to quote. The stack is the original error's, for admins.
 */
async function logUnexpected(thrown: unknown, err: AppError, c: Context<AppEnv>): Promise<string> {
  const entry: ErrorEntry = {
    code: err.code,
    message: thrown instanceof Error ? thrown.message : String(thrown),
    stack: thrown instanceof Error ? thrown.stack : undefined,
    context: { route: c.req.path, method: c.req.method, status: err.status, user_id: c.var.user?.id ?? null },
  }
  // The database does not answer: waiting for it again would only delay the answer.
  const reference = err.code === 'database_unavailable' ? logErrorOnly(c.var.log, entry) : await recordError(c.var.db, c.var.log, entry)
  if (!(thrown instanceof AppError)) c.var.log.error({ err: thrown, reference }, 'unhandled error')
  return reference
}

/** The one error handler: JSON for API clients, the form again for a refused form, a fragment for htmx, else a page. */
export async function renderError(thrown: unknown, c: Context<AppEnv>): Promise<Response> {
  const err = asAppError(thrown, c)
  const reference = err.status >= 500 ? await logUnexpected(thrown, err, c) : undefined
  for (const [name, value] of Object.entries(err.headers)) c.header(name, value)
  if (wantsJson(c))
    return c.json({ error: { code: err.code, message: err.message, ...(reference ? { reference } : {}), ...err.details }, ...err.alongside }, err.status)
  const form = c.var.errorView
  if (form?.shows(err)) {
    const shown = await form.view({ error: err.message, fields: err instanceof ValidationFailed ? err.fields : undefined }, err)
    return shown instanceof Response ? shown : c.html(shown, err.status)
  }
  // A refusal before sign-in was read (a body over the size limit) still shows who is signed in.
  if (c.var.user === undefined && err.status < 500) c.set('user', (await sessionUser(c).catch(() => undefined)) ?? null)
  if (isHtmx(c)) {
    // htmx swaps error answers too: put just the message where the page's content is, not a second page inside it.
    c.header('HX-Retarget', '#main')
    c.header('HX-Reswap', 'innerHTML')
    if (reference) toast(c, { kind: 'error', message: err.message, reference })
    return c.html(<ErrorPanel ctx={pageContext(c)} status={err.status} message={err.message} reference={reference} />, err.status)
  }
  return c.html(<ErrorPage ctx={pageContext(c)} status={err.status} message={err.message} reference={reference} />, err.status)
}

export function renderNotFound(c: Context<AppEnv>): Response | Promise<Response> {
  return renderError(new NotFound(`There is nothing at ${c.req.path}.`), c)
}

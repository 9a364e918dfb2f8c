import type { Context, MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import { Forbidden, Unauthorized } from '../errors'
import type { AppEnv } from '../http/env'
import { wantsJson } from '../http/respond'
import { type Capability, can } from './roles'
import { findSessionUser, type SessionUser } from './sessions'
import { findTokenUser } from './tokens'

export const SESSION_COOKIE = 'td_session'
/** The form field internal portals may use instead of an Authorization header. */
export const TOKEN_FIELD = 'api_token'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const isFormPost = (c: Context) => /^(application\/x-www-form-urlencoded|multipart\/form-data)/.test(c.req.header('content-type') ?? '')

async function presentedToken(c: Context<AppEnv>): Promise<string | undefined> {
  const header = c.req.header('authorization')
  if (header !== undefined) return /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? ''
  if (!SAFE_METHODS.has(c.req.method) && isFormPost(c)) {
    const field = (await c.req.parseBody())[TOKEN_FIELD]
    return typeof field === 'string' ? field : undefined
  }
  return undefined
}

/** Finds who is asking: an API token when one is presented (and must then be valid), else the session cookie. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('user', null)
  c.set('authVia', null)
  c.set('tokenScope', null)
  const token = await presentedToken(c)
  if (token !== undefined) {
    const found = token ? await findTokenUser(c.var.db, token) : undefined
    if (!found) throw new Unauthorized('The API token is missing, invalid or revoked.')
    if (found.scope === 'read' && !SAFE_METHODS.has(c.req.method)) throw new Forbidden('This API token is read-only.')
    c.set('user', found.user)
    c.set('authVia', 'token')
    c.set('tokenScope', found.scope)
  } else {
    const user = await sessionUser(c)
    if (user) {
      c.set('user', user)
      c.set('authVia', 'session')
    }
  }
  await next()
}

/** The user the session cookie signs in, if any. */
export async function sessionUser(c: Context<AppEnv>): Promise<SessionUser | undefined> {
  const secret = getCookie(c, SESSION_COOKIE)
  return secret ? await findSessionUser(c.var.db, secret, c.var.config.sessionTtlMs) : undefined
}

/** The signed-in user of a route behind `requireUser`: asking for it elsewhere is a 401, never a crash. */
export function signedInUser(c: Context<AppEnv>): SessionUser {
  if (!c.var.user) throw new Unauthorized('Sign in or send an API token to use this.')
  return c.var.user
}

/** Whether the credentials of this request still sign its user in: a long-lived stream asks again. */
export async function stillSignedIn(c: Context<AppEnv>): Promise<boolean> {
  if (c.var.authVia === 'token') {
    const token = await presentedToken(c)
    return Boolean(token && (await findTokenUser(c.var.db, token))?.user.id === c.var.user?.id)
  }
  const user = await sessionUser(c)
  return user !== undefined && user.id === c.var.user?.id
}

const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)/i

/**
 * Whether an unsafe request was sent by a page of another site. An allowed portal's origin is
 * never foreign; otherwise the browser's own word (Sec-Fetch-Site: cross-site) or an Origin other
 * than ours is. Browsers send Origin with every form post, so a form-like post without one is
 * trusted only when fetch metadata says it is same-origin; a script sending JSON may send neither.
 */
function isForeign(c: Context<AppEnv>): boolean {
  const origin = c.req.header('origin')
  const site = c.req.header('sec-fetch-site')
  if (origin !== undefined && c.var.config.allowedOrigins.includes(origin)) return false
  if (site === 'cross-site') return true
  if (origin !== undefined) return origin !== requestOrigin(c)
  return FORM_TYPES.test(c.req.header('content-type') ?? 'text/plain') && site !== 'same-origin'
}

/**
 * Cookie-authenticated (or anonymous) writes must come from our own origin or an allowed portal,
 * whatever their content type; token-authenticated requests carry no ambient authority, so they skip the check.
 */
export const originCheck: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.var.authVia === 'token' || SAFE_METHODS.has(c.req.method)) return next()
  if (isForeign(c)) throw new Forbidden('This request was posted from a site that is not allowed to post here.')
  return next()
}

/** The scheme the browser used to reach us: a proxy's X-Forwarded-Proto (its first, client-facing value) or our own. */
export function requestProtocol(c: Context): 'http:' | 'https:' {
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase()
  if (forwarded === 'https' || forwarded === 'http') return `${forwarded}:`
  return new URL(c.req.url).protocol === 'https:' ? 'https:' : 'http:'
}

/** The origin the browser used to reach us, honouring a proxy's X-Forwarded-Proto. */
export function requestOrigin(c: Context): string {
  return `${requestProtocol(c)}//${c.req.header('host') ?? new URL(c.req.url).host}`
}

/** Signed-in users only; browsers are sent to the login page, API clients get a 401. */
export const requireUser: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.var.user) return next()
  if (wantsJson(c) || c.req.method !== 'GET') throw new Unauthorized('Sign in or send an API token to use this.')
  const target = c.req.path === '/' ? '/login' : `/login?next=${encodeURIComponent(c.req.path + new URL(c.req.url).search)}`
  return c.redirect(target, 303)
}

export function requireCapability(capability: Capability): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = signedInUser(c)
    if (!can(user.role, capability)) {
      throw new Forbidden(`Your role (${user.role}) does not allow this. Ask an administrator if you need access.`)
    }
    await next()
  }
}

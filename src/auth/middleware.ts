import type { Context, MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import { csrf } from 'hono/csrf'
import { HTTPException } from 'hono/http-exception'
import { Forbidden, Unauthorized } from '../errors'
import type { AppEnv } from '../http/env'
import { wantsJson } from '../http/respond'
import { can, type Capability } from './roles'
import { findSessionUser } from './sessions'
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
    const secret = getCookie(c, SESSION_COOKIE)
    const user = secret ? await findSessionUser(c.var.db, secret, c.var.config.sessionTtlMs) : undefined
    if (user) {
      c.set('user', user)
      c.set('authVia', 'session')
    }
  }
  await next()
}

/** Whether the credentials of this request still sign its user in: a long-lived stream asks again. */
export async function stillSignedIn(c: Context<AppEnv>): Promise<boolean> {
  if (c.var.authVia === 'token') {
    const token = await presentedToken(c)
    return Boolean(token && (await findTokenUser(c.var.db, token))?.user.id === c.var.user?.id)
  }
  const secret = getCookie(c, SESSION_COOKIE)
  return Boolean(secret && (await findSessionUser(c.var.db, secret, c.var.config.sessionTtlMs))?.id === c.var.user?.id)
}

/**
 * Browser posts (cookie or no credentials at all) must come from our own origin or an allowed
 * portal; token-authenticated requests carry no ambient authority, so they skip the check.
 */
const csrfCheck = csrf({
  origin: (origin, ctx) =>
    origin === requestOrigin(ctx) || (ctx as Context<AppEnv>).var.config.allowedOrigins.includes(origin),
})

export const originCheck: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.var.authVia === 'token') return next()
  try {
    return await csrfCheck(c, next)
  } catch (err) {
    if (err instanceof HTTPException && err.status === 403) {
      throw new Forbidden('This form was posted from a site that is not allowed to post here.')
    }
    throw err
  }
}

/** The origin the browser used to reach us, honouring a proxy's X-Forwarded-Proto. */
export function requestOrigin(c: Context): string {
  const url = new URL(c.req.url)
  const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim()
  const host = c.req.header('host') ?? url.host
  return `${proto ? `${proto}:` : url.protocol}//${host}`
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
    const user = c.var.user
    if (!user) throw new Unauthorized('Sign in or send an API token to use this.')
    if (!can(user.role, capability)) {
      throw new Forbidden(`Your role (${user.role}) does not allow this. Ask an administrator if you need access.`)
    }
    await next()
  }
}

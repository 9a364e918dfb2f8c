import type { Context } from 'hono'
import { Hono } from 'hono'
import { getCookie } from 'hono/cookie'
import { TokensPage } from '../../views/settings/TokensPage'
import { SESSION_COOKIE, signedInUser } from '../auth/middleware'
import { TokenInput } from '../auth/schemas'
import { holdTokenReveal, takeTokenReveals } from '../auth/token-reveals'
import { createApiToken, listApiTokens, revokeApiToken } from '../auth/tokens'
import { NotFound } from '../errors'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { pageContext } from '../http/page-context'
import { uuidParam } from '../http/params'
import { parseBody } from '../http/respond'
import { answerAction } from '../http/toast'

/** /settings/tokens: a user's own API tokens. */
export const tokenRoutes = new Hono<AppEnv>()

/** The cookie secret of a browser session: the key a new token waits under until it is shown. */
const sessionSecret = (c: Context<AppEnv>) => (c.var.authVia === 'session' ? getCookie(c, SESSION_COOKIE) : undefined)

tokenRoutes.get('/', async (c) => {
  const tokens = await listApiTokens(c.var.db, signedInUser(c).id)
  const secret = sessionSecret(c)
  const reveals = secret ? await takeTokenReveals(c.var.db, secret) : []
  const created = reveals.map(({ token_id, token }) => ({ name: tokens.find((t) => t.id === token_id)?.name ?? '', token }))
  // A page showing a token must not be kept by the browser or any cache.
  if (created.length) c.header('Cache-Control', 'no-store')
  return c.html(<TokensPage ctx={pageContext(c)} tokens={tokens} created={created} />)
})

/** Post/Redirect/Get: the new token is shown once by the page redirected to, so reloading it creates nothing. */
tokenRoutes.post('/', async (c) => {
  const user = signedInUser(c)
  rerenderOnError(c, async ({ error, fields }) => (
    <TokensPage ctx={pageContext(c)} tokens={await listApiTokens(c.var.db, user.id)} fields={fields} error={fields ? undefined : error} />
  ))
  const input = await parseBody(c, TokenInput)
  const secret = sessionSecret(c)
  const created = await c.var.db.transaction().execute(async (trx) => {
    const made = await createApiToken(trx, user.id, input)
    if (secret) await holdTokenReveal(trx, secret, made.id, made.token)
    return made
  })
  if (secret) return c.redirect('/settings/tokens', 303)
  // A portal posting with an API token has no session to hold the new token for: it gets it in this answer.
  const tokens = await listApiTokens(c.var.db, user.id)
  c.header('Cache-Control', 'no-store')
  return c.html(<TokensPage ctx={pageContext(c)} tokens={tokens} created={[{ name: input.name, token: created.token }]} />, 201)
})

tokenRoutes.post('/:id/revoke', async (c) => {
  const id = uuidParam(c, 'id', 'live token of yours')
  if (!(await revokeApiToken(c.var.db, signedInUser(c).id, id))) throw new NotFound('No such live token of yours.')
  return answerAction(c, '/settings/tokens', { kind: 'success', message: 'Token revoked: it no longer signs anything in.' })
})

import type { Context } from 'hono'
import { Hono } from 'hono'
import { getCookie } from 'hono/cookie'
import { z } from 'zod'
import { requireCapability, SESSION_COOKIE } from '../auth/middleware'
import { NewUserInput, TokenInput, UserChangeInput } from '../auth/schemas'
import { holdTokenReveal, takeTokenReveals } from '../auth/token-reveals'
import { createApiToken, listAllApiTokens, listApiTokens, revokeApiToken } from '../auth/tokens'
import { findUserById, insertUser, listUsers, updateUser } from '../auth/users'
import { AppError, NotFound, ValidationFailed } from '../errors'
import type { AppEnv } from '../http/env'
import { pageContext } from '../http/page-context'
import { fieldErrors, invalid, readBody, wantsJson } from '../http/respond'
import { UsersPage } from '../../views/admin/UsersPage'
import { TokensPage } from '../../views/settings/TokensPage'

/** Result messages are chosen by code, so a crafted link cannot put words on our page. */
const USER_NOTICES = {
  created: 'User added.',
  updated: 'User updated.',
  token_revoked: 'Token revoked.',
} as const

export const settingsRoutes = new Hono<AppEnv>()

settingsRoutes.get('/', (c) => c.redirect('/settings/tokens', 303))

/** The cookie secret of a browser session: the key a new token waits under until it is shown. */
const sessionSecret = (c: Context<AppEnv>) => (c.var.authVia === 'session' ? getCookie(c, SESSION_COOKIE) : undefined)

settingsRoutes.get('/tokens', async (c) => {
  const tokens = await listApiTokens(c.var.db, c.var.user!.id)
  const secret = sessionSecret(c)
  const reveals = secret ? await takeTokenReveals(c.var.db, secret) : []
  const created = reveals.map(({ token_id, token }) => ({ name: tokens.find((t) => t.id === token_id)?.name ?? '', token }))
  // A page showing a token must not be kept by the browser or any cache.
  if (created.length) c.header('Cache-Control', 'no-store')
  return c.html(<TokensPage ctx={pageContext(c)} tokens={tokens} created={created} />)
})

/** Post/Redirect/Get: the new token is shown once by the page redirected to, so reloading it creates nothing. */
settingsRoutes.post('/tokens', async (c) => {
  const parsed = TokenInput.safeParse(await readBody(c))
  if (!parsed.success) {
    return c.html(<TokensPage ctx={pageContext(c)} tokens={await listApiTokens(c.var.db, c.var.user!.id)} fields={fieldErrors(parsed.error)} />, 400)
  }
  const secret = sessionSecret(c)
  const created = await c.var.db.transaction().execute(async (trx) => {
    const made = await createApiToken(trx, c.var.user!.id, parsed.data)
    if (secret) await holdTokenReveal(trx, secret, made.id, made.token)
    return made
  })
  if (secret) return c.redirect('/settings/tokens', 303)
  // A portal posting with an API token has no session to hold the new token for: it gets it in this answer.
  const tokens = await listApiTokens(c.var.db, c.var.user!.id)
  c.header('Cache-Control', 'no-store')
  return c.html(<TokensPage ctx={pageContext(c)} tokens={tokens} created={[{ name: parsed.data.name, token: created.token }]} />, 201)
})

settingsRoutes.post('/tokens/:id/revoke', async (c) => {
  const id = z.uuid().safeParse(c.req.param('id'))
  if (!id.success || !(await revokeApiToken(c.var.db, c.var.user!.id, id.data))) {
    throw new NotFound('No such live token of yours.')
  }
  return c.redirect('/settings/tokens', 303)
})

settingsRoutes.use('/users', requireCapability('admin'))
settingsRoutes.use('/users/*', requireCapability('admin'))

settingsRoutes.get('/users', async (c) => {
  const done = c.req.query('done')
  const notice = done && done in USER_NOTICES ? USER_NOTICES[done as keyof typeof USER_NOTICES] : undefined
  if (wantsJson(c)) return c.json({ items: await listUsers(c.var.db) })
  const [users, tokens] = await Promise.all([listUsers(c.var.db), listAllApiTokens(c.var.db)])
  return c.html(<UsersPage ctx={pageContext(c)} users={users} tokens={tokens} notice={notice} />)
})

/** An administrator revokes anyone's token from the users page. */
settingsRoutes.post('/users/tokens/:id/revoke', async (c) => {
  const id = z.uuid().safeParse(c.req.param('id'))
  if (!id.success || !(await revokeApiToken(c.var.db, undefined, id.data))) throw new NotFound('No such live token.')
  c.var.log.info({ actor: c.var.user!.id, tokenId: id.data }, 'token revoked by an administrator')
  return c.redirect('/settings/users?done=token_revoked', 303)
})

settingsRoutes.post('/users', async (c) => {
  const body = await readBody(c)
  try {
    const parsed = NewUserInput.safeParse(body)
    if (!parsed.success) throw invalid(parsed.error)
    const user = await insertUser(c.var.db, parsed.data)
    if (!user) throw new ValidationFailed('A user with this email already exists.', { email: 'A user with this email already exists.' })
    c.var.log.info({ actor: c.var.user!.id, userId: user.id, role: user.role }, 'user added')
    return wantsJson(c) ? c.json(user, 201) : c.redirect('/settings/users?done=created', 303)
  } catch (err) {
    if (!(err instanceof ValidationFailed) || wantsJson(c)) throw err
    const values = { email: String(body.email ?? ''), name: String(body.name ?? ''), role: String(body.role ?? '') }
    return c.html(<UsersPage ctx={pageContext(c)} users={await listUsers(c.var.db)} tokens={await listAllApiTokens(c.var.db)} values={values} fields={err.fields} />, 400)
  }
})

settingsRoutes.post('/users/:id', async (c) => {
  const id = z.uuid().safeParse(c.req.param('id'))
  if (!id.success || !(await findUserById(c.var.db, id.data))) throw new NotFound('No such user.')
  try {
    const parsed = UserChangeInput.safeParse(await readBody(c))
    if (!parsed.success) throw invalid(parsed.error)
    const user = await updateUser(c.var.db, id.data, parsed.data)
    const change = { ...parsed.data, password: parsed.data.password && '[new password]' }
    c.var.log.info({ actor: c.var.user!.id, userId: id.data, change }, 'user changed')
    return wantsJson(c) ? c.json(user) : c.redirect('/settings/users?done=updated', 303)
  } catch (err) {
    if (!(err instanceof AppError) || wantsJson(c)) throw err
    return c.html(<UsersPage ctx={pageContext(c)} users={await listUsers(c.var.db)} tokens={await listAllApiTokens(c.var.db)} error={err.message} />, err.status)
  }
})

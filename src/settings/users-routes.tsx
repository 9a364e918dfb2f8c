import { Hono } from 'hono'
import { UsersPage } from '../../views/settings/UsersPage'
import { requireCapability, signedInUser } from '../auth/middleware'
import { NewUserInput, UserChangeInput } from '../auth/schemas'
import { listAllApiTokens, revokeApiToken } from '../auth/tokens'
import { findUserById, insertUser, listUsers, updateUser } from '../auth/users'
import { NotFound, ValidationFailed } from '../errors'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { doneNotice } from '../http/notice'
import { pageContext } from '../http/page-context'
import { uuidParam } from '../http/params'
import { parseBody, readBody, wantsJson } from '../http/respond'
import { answerAction } from '../http/toast'

const USER_NOTICES = {
  created: 'User added.',
  updated: 'User updated.',
  token_revoked: 'Token revoked.',
}

/** /settings/users: administrators add and change users and revoke anyone's token. */
export const userRoutes = new Hono<AppEnv>()
userRoutes.use('*', requireCapability('admin'))

userRoutes.get('/', async (c) => {
  if (wantsJson(c)) return c.json({ items: await listUsers(c.var.db) })
  const [users, tokens] = await Promise.all([listUsers(c.var.db), listAllApiTokens(c.var.db)])
  return c.html(<UsersPage ctx={pageContext(c)} users={users} tokens={tokens} notice={doneNotice(c, USER_NOTICES)} />)
})

/** An administrator revokes anyone's token from the users page. */
userRoutes.post('/tokens/:id/revoke', async (c) => {
  const id = uuidParam(c, 'id', 'live token')
  if (!(await revokeApiToken(c.var.db, undefined, id, signedInUser(c).id))) throw new NotFound('No such live token.')
  c.var.log.info({ actor: signedInUser(c).id, tokenId: id }, 'token revoked by an administrator')
  return answerAction(c, '/settings/users', { kind: 'success', message: 'Token revoked: it no longer signs anything in.' }, 'token_revoked')
})

userRoutes.post('/', async (c) => {
  rerenderOnError(c, async (problem) => {
    const body = await readBody(c)
    const values = { email: String(body.email ?? ''), name: String(body.name ?? ''), role: String(body.role ?? '') }
    const [users, tokens] = await Promise.all([listUsers(c.var.db), listAllApiTokens(c.var.db)])
    return (
      <UsersPage
        ctx={pageContext(c)}
        users={users}
        tokens={tokens}
        values={values}
        fields={problem.fields}
        error={problem.fields ? undefined : problem.error}
      />
    )
  })
  const user = await insertUser(c.var.db, await parseBody(c, NewUserInput), signedInUser(c).id)
  if (!user) throw new ValidationFailed('A user with this email already exists.', { email: 'A user with this email already exists.' })
  c.var.log.info({ actor: signedInUser(c).id, userId: user.id, role: user.role }, 'user added')
  return wantsJson(c) ? c.json(user, 201) : c.redirect('/settings/users?done=created', 303)
})

userRoutes.post('/:id', async (c) => {
  const id = uuidParam(c, 'id', 'user')
  if (!(await findUserById(c.var.db, id))) throw new NotFound('No such user.')
  rerenderOnError(
    c,
    async (problem) => {
      const [users, tokens] = await Promise.all([listUsers(c.var.db), listAllApiTokens(c.var.db)])
      return <UsersPage ctx={pageContext(c)} users={users} tokens={tokens} error={problem.error} />
    },
    // Every refusal of a change (a bad value, the last admin) is shown on the page; our own failures are not.
    (err) => err.status < 500,
  )
  const change = await parseBody(c, UserChangeInput)
  const user = await updateUser(c.var.db, id, change, signedInUser(c).id)
  c.var.log.info({ actor: signedInUser(c).id, userId: id, change: { ...change, password: change.password && '[new password]' } }, 'user changed')
  return wantsJson(c) ? c.json(user) : c.redirect('/settings/users?done=updated', 303)
})

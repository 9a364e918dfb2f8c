import { Hono } from 'hono'
import { NotFound } from '../errors'
import type { AppEnv } from '../http/env'
import { uuidParam } from '../http/params'
import { parseBody } from '../http/respond'
import { requireCapability, signedInUser } from './middleware'
import { can } from './roles'
import { TokenInput } from './schemas'
import { createApiToken, listAllApiTokens, listApiTokens, revokeApiToken } from './tokens'

export const authApi = new Hono<AppEnv>()

authApi.get('/me', (c) => {
  const user = signedInUser(c)
  return c.json({ id: user.id, email: user.email, name: user.name, role: user.role })
})

authApi.post('/tokens', async (c) => {
  const input = await parseBody(c, TokenInput)
  const created = await createApiToken(c.var.db, signedInUser(c).id, input)
  return c.json({ ...created, name: input.name, scope: input.scope }, 201)
})

authApi.get('/tokens', async (c) => c.json({ items: await listApiTokens(c.var.db, signedInUser(c).id) }))

/** Your own tokens; an administrator may revoke anyone's. */
authApi.delete('/tokens/:id', async (c) => {
  const user = signedInUser(c)
  const id = uuidParam(c, 'id', 'live token')
  const owner = can(user.role, 'admin') ? undefined : user.id
  if (!(await revokeApiToken(c.var.db, owner, id))) {
    throw new NotFound(owner ? 'No such live token of yours.' : 'No such live token.')
  }
  return c.body(null, 204)
})

authApi.get('/admin/tokens', requireCapability('admin'), async (c) => c.json({ items: await listAllApiTokens(c.var.db) }))

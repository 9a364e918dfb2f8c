import { Hono } from 'hono'
import { z } from 'zod'
import { NotFound } from '../errors'
import type { AppEnv } from '../http/env'
import { parseBody } from '../http/respond'
import { requireCapability } from './middleware'
import { can } from './roles'
import { TokenInput } from './schemas'
import { createApiToken, listAllApiTokens, listApiTokens, revokeApiToken } from './tokens'

export const authApi = new Hono<AppEnv>()

authApi.get('/me', (c) => {
  const user = c.var.user!
  return c.json({ id: user.id, email: user.email, name: user.name, role: user.role })
})

authApi.post('/tokens', async (c) => {
  const input = await parseBody(c, TokenInput)
  const created = await createApiToken(c.var.db, c.var.user!.id, input)
  return c.json({ ...created, name: input.name, scope: input.scope }, 201)
})

authApi.get('/tokens', async (c) => c.json({ items: await listApiTokens(c.var.db, c.var.user!.id) }))

/** Your own tokens; an administrator may revoke anyone's. */
authApi.delete('/tokens/:id', async (c) => {
  const user = c.var.user!
  const id = z.uuid().safeParse(c.req.param('id'))
  const owner = can(user.role, 'admin') ? undefined : user.id
  if (!id.success || !(await revokeApiToken(c.var.db, owner, id.data))) {
    throw new NotFound(owner ? 'No such live token of yours.' : 'No such live token.')
  }
  return c.body(null, 204)
})

authApi.get('/admin/tokens', requireCapability('admin'), async (c) => c.json({ items: await listAllApiTokens(c.var.db) }))

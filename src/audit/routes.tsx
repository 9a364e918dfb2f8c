import { Hono } from 'hono'
import { AuditPage } from '../../views/audit/AuditPage'
import { requireCapability, signedInUser } from '../auth/middleware'
import type { AppEnv } from '../http/env'
import { doneNotice } from '../http/notice'
import { pageContext, preferencesOf } from '../http/page-context'
import { uuidParam } from '../http/params'
import { parseInput } from '../http/respond'
import { AuditQuery, listChanges } from './changes'
import { ROLLBACK_TYPES, rollBack } from './rollback'

/** GET /api/admin/audit?type=&user_id=&from=&to=&cursor= (DESIGN §8), admins only. */
export const auditApi = new Hono<AppEnv>()
auditApi.use(requireCapability('admin'))
auditApi.get('/', async (c) => {
  const { items, next_cursor } = await listChanges(c.var.db, parseInput(AuditQuery, c.req.queries()))
  return c.json({
    items: items.map((i) => ({
      id: i.id,
      type: i.type,
      summary: i.summary,
      subject_id: i.subject_id,
      user_id: i.user_id,
      user_email: i.user_email,
      created_at: i.created_at,
      old_value: i.old_value,
      new_value: i.new_value,
      rolled_back_from: i.rolled_back_from,
    })),
    next_cursor,
  })
})

auditApi.post('/:id/rollback', async (c) => {
  return c.json(await rollBack(c.var.db, uuidParam(c, 'id', 'change'), signedInUser(c).id))
})

/** /admin/audit: the same trail, filterable, with each change side by side. */
export const auditPages = new Hono<AppEnv>()
auditPages.use(requireCapability('admin'))
auditPages.get('/', async (c) => {
  const asked = parseInput(AuditQuery, c.req.queries())
  const query = { ...asked, limit: asked.limit ?? preferencesOf(c).rows_per_page }
  const [{ items, next_cursor }, users] = await Promise.all([
    listChanges(c.var.db, query),
    c.var.db.selectFrom('users').select(['id', 'email']).orderBy('email').execute(),
  ])
  return c.html(
    <AuditPage
      ctx={pageContext(c)}
      query={query}
      items={items}
      nextCursor={next_cursor}
      users={users}
      rollbackable={ROLLBACK_TYPES}
      notice={doneNotice(c, { rolled_back: 'Rolled back: the old values are active again, recorded as a new change.' })}
    />,
  )
})

auditPages.post('/:id/rollback', async (c) => {
  await rollBack(c.var.db, uuidParam(c, 'id', 'change'), signedInUser(c).id)
  return c.redirect('/admin/audit?done=rolled_back', 303)
})

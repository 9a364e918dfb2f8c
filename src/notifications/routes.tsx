import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { NotificationsPage } from '../../views/notifications/NotificationsPage'
import { signedInUser, stillSignedIn } from '../auth/middleware'
import { NotFound, ServiceUnavailable } from '../errors'
import { progressHub, userTopic } from '../generation/progress-hub'
import type { AppEnv } from '../http/env'
import { pageContext } from '../http/page-context'
import { uuidParam } from '../http/params'
import { holdOpen } from '../http/sse'
import { answerAction } from '../http/toast'
import { countUnread, listNotifications, markRead } from './notify'

/** GET /api/notifications → {items, unread}; POST /api/notifications/:id/read and /read-all → {unread}. */
export const notificationsApi = new Hono<AppEnv>()
notificationsApi.get('/', async (c) => c.json(await listNotifications(c.var.db, signedInUser(c).id)))
notificationsApi.post('/read-all', async (c) => {
  const user = signedInUser(c)
  await markRead(c.var.db, user.id)
  return c.json({ unread: 0 })
})
notificationsApi.post('/:id/read', async (c) => {
  const user = signedInUser(c)
  if (!(await markRead(c.var.db, user.id, uuidParam(c, 'id', 'notification')))) throw new NotFound('No such unread notification.')
  return c.json({ unread: await countUnread(c.var.db, user.id) })
})

/** /notifications: the list, mark as read (and follow its link), and the one live stream every open page listens to. */
export const notificationPages = new Hono<AppEnv>()
notificationPages.get('/', async (c) => {
  const { items, unread } = await listNotifications(c.var.db, signedInUser(c).id)
  return c.html(<NotificationsPage ctx={pageContext(c)} items={items} unread={unread} />)
})
notificationPages.post('/read-all', async (c) => {
  await markRead(c.var.db, signedInUser(c).id)
  return answerAction(c, '/notifications', { kind: 'success', message: 'All notifications marked as read.' })
})
notificationPages.post('/:id/read', async (c) => {
  const user = signedInUser(c)
  const id = uuidParam(c, 'id', 'notification')
  await markRead(c.var.db, user.id, id)
  const row = await c.var.db.selectFrom('notifications').select('link').where('id', '=', id).where('user_id', '=', user.id).executeTakeFirst()
  if (!row) throw new NotFound('No such notification.')
  return c.redirect(row.link, 303)
})

/**
 * One event stream per tab, for whatever concerns its user: each new notification arrives as a
 * `notification` event `{unread, latest}`. It ends (`end`) when the user signs out or opens too many.
 */
notificationPages.get('/stream', async (c) => {
  const pool = c.var.pool
  if (!pool) throw new ServiceUnavailable('Live notifications are not available in this process.')
  const user = signedInUser(c)
  const hub = progressHub(pool, c.var.log)
  return streamSSE(c, async (stream) => {
    const over = new AbortController()
    let endReason: string | undefined
    const end = (reason?: string) => {
      endReason ??= reason
      over.abort()
    }
    stream.onAbort(() => end())
    const send = async () => {
      if (!(await stillSignedIn(c))) return end('signed_out')
      const { items, unread } = await listNotifications(c.var.db, user.id, 1)
      const latest = items[0]
      await stream.writeSSE({
        event: 'notification',
        data: JSON.stringify({ unread, latest: latest && { id: latest.id, kind: latest.kind, message: latest.message, link: latest.link } }),
      })
    }
    const unsubscribe = await hub.subscribe(userTopic(user.id), {
      userId: user.id,
      changed: () => void send().catch(() => end()),
      end: (reason) => end(reason === 'replaced' ? 'replaced' : undefined),
    })
    try {
      await holdOpen(stream, over.signal, () => endReason)
    } finally {
      unsubscribe()
    }
  })
})

import type { MiddlewareHandler } from 'hono'
import { can } from '../auth/roles'
import { cachedRead } from '../db/cached-read'
import type { AppEnv } from '../http/env'
import { isHtmx, wantsJson } from '../http/respond'
import { readDatabaseHealth } from './database-health'

/** Read at most every 30 s per process: the header must not cost a page the health page's dozen queries. */
const currentAlerts = cachedRead(30_000, async (db) => (await readDatabaseHealth(db)).alerts)

/** Admins see what needs their attention in the header of every page they open. */
export const headerAlerts: MiddlewareHandler<AppEnv> = async (c, next) => {
  const user = c.var.user
  if (user && can(user.role, 'admin') && c.req.method === 'GET' && !wantsJson(c) && !isHtmx(c)) {
    c.set('alerts', await currentAlerts.get(c.var.db).catch(() => []))
  }
  await next()
}

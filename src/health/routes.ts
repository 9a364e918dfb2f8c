import { Hono } from 'hono'
import { sql } from 'kysely'
import { pendingMigrations } from '../db/migrate'
import type { AppEnv } from '../http/env'
import { countLiveWorkers } from '../worker/heartbeats'

export const healthRoutes = new Hono<AppEnv>()

/** The process is up and serving; says nothing about its dependencies. */
healthRoutes.get('/healthz', (c) => c.json({ status: 'ok' }))

/** Ready to do useful work: database reachable, schema current, a worker alive somewhere. */
healthRoutes.get('/readyz', async (c) => {
  const checks: Record<string, { ok: boolean; detail?: string }> = {}
  try {
    await sql`select 1`.execute(c.var.db)
    checks.database = { ok: true }
    const pending = await pendingMigrations(c.var.db)
    checks.migrations = pending.length ? { ok: false, detail: `${pending.length} pending: ${pending.join(', ')}` } : { ok: true }
    const workers = await countLiveWorkers(c.var.db)
    checks.worker = workers ? { ok: true, detail: `${workers} live` } : { ok: false, detail: 'no worker has reported in the last 30 seconds' }
  } catch (err) {
    checks.database = { ok: false, detail: err instanceof Error ? err.message : 'unreachable' }
  }
  const ready = Object.values(checks).every((check) => check.ok)
  return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503)
})

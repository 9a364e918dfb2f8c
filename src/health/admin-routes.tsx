import { Hono } from 'hono'
import { z } from 'zod'
import { HealthPage, VacuumRunItem } from '../../views/health/HealthPage'
import { requireCapability, signedInUser } from '../auth/middleware'
import type { AppEnv } from '../http/env'
import { doneNotice } from '../http/notice'
import { pageContext } from '../http/page-context'
import { uuidParam } from '../http/params'
import { parseBody, wantsJson } from '../http/respond'
import { readDatabaseHealth } from './database-health'
import { findRun, recentRuns, requestVacuum } from './vacuum'

const VacuumInput = z.object({ table: z.string({ error: 'name a table' }).trim().min(1, 'name a table').max(63, 'is not a table name') })

/** GET /api/admin/health: the same figures as the page (DESIGN §8), admins only. */
export const healthApi = new Hono<AppEnv>()
healthApi.use(requireCapability('admin'))
healthApi.get('/', async (c) => c.json(await readDatabaseHealth(c.var.db)))

/** /admin/health: the page, VACUUM (ANALYZE) of a table as a job, and its progress as an htmx fragment. */
export const healthPages = new Hono<AppEnv>()
healthPages.use(requireCapability('admin'))

healthPages.get('/', async (c) => {
  const [health, runs] = await Promise.all([readDatabaseHealth(c.var.db), recentRuns(c.var.db)])
  const notice = doneNotice(c, { vacuum: 'VACUUM (ANALYZE) is queued; its progress shows under Tables.' })
  return c.html(<HealthPage ctx={pageContext(c)} health={health} runs={runs} notice={notice} />)
})

healthPages.post('/vacuum', async (c) => {
  const { table } = await parseBody(c, VacuumInput)
  const run = await requestVacuum(c.var.db, table, signedInUser(c).id)
  c.var.log.info({ actor: signedInUser(c).id, table }, 'vacuum requested')
  return wantsJson(c) ? c.json(run, 202) : c.redirect('/admin/health?done=vacuum#tables', 303)
})

healthPages.get('/vacuum/:id', async (c) => {
  const run = await findRun(c.var.db, uuidParam(c, 'id', 'maintenance run'))
  if (wantsJson(c)) return c.json(run)
  return c.html(<VacuumRunItem run={run} progress={run.progress} />)
})

import { Hono } from 'hono'
import { CoveragePage } from '../../views/coverage/CoveragePage'
import { requireCapability } from '../auth/middleware'
import { filterChoices } from '../conversations/filter'
import type { AppEnv } from '../http/env'
import { pageContext } from '../http/page-context'
import { parseInput, wantsJson } from '../http/respond'
import { CoverageQuery, datasetCoverage } from './coverage'

/** GET /coverage: the persona × emotion × topic heat map of a dataset, for everyone signed in (JSON too). */
export const coverageRoutes = new Hono<AppEnv>()

coverageRoutes.get('/', requireCapability('view'), async (c) => {
  const query = parseInput(CoverageQuery, c.req.queries())
  const [coverage, choices] = await Promise.all([datasetCoverage(c.var.db, query), wantsJson(c) ? undefined : filterChoices(c.var.db)])
  if (wantsJson(c) || !choices) return c.json(coverage)
  return c.html(<CoveragePage ctx={pageContext(c)} coverage={coverage} query={query} choices={choices} />)
})

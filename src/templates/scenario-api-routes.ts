import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { Conflict, NotFound } from '../errors'
import { CursorId, CursorText, decodeCursor, encodeCursor, keysetPage } from '../http/cursor'
import type { AppEnv } from '../http/env'
import { uuidParam } from '../http/params'
import { parseBody, parseInput, readBody } from '../http/respond'
import { viewToReadEditToChange } from './access'
import {
  deleteEdgeCase,
  deleteScenario,
  type EdgeCase,
  findEdgeCaseWithScenario,
  findScenario,
  findScenarioWithTemplate,
  findTemplate,
  insertEdgeCase,
  insertScenario,
  listEdgeCases,
  listScenarios,
  type Scenario,
  type Template,
  updateEdgeCase,
  updateScenario,
} from './queries'
import { templateOr404 } from './request'
import { EdgeCaseInput, parseScenario, scenarioFormValues, scenarioInputFromForm } from './scenarios'

/** The JSON API of scenarios and edge cases (DESIGN.md §8), mounted at /api by api-routes.ts. */
export const scenariosApi = new Hono<AppEnv>()
for (const path of ['/scenarios', '/scenarios/*', '/edge-cases', '/edge-cases/*']) scenariosApi.use(path, viewToReadEditToChange)

export function scenarioJson(scenario: Scenario) {
  const { id, template_id, name, persona, emotion, topic, context, intent, tone, values, created_at, updated_at } = scenario
  return { id, template_id, name, persona, emotion, topic, context, intent, tone, values, created_at, updated_at }
}

export function edgeCaseJson(edgeCase: EdgeCase) {
  const { id, scenario_id, name, type, description, complexity, created_at, updated_at } = edgeCase
  return { id, scenario_id, name, type, description, complexity, created_at, updated_at }
}

const ScenarioListQuery = z.object({
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
})
// The cursor is the last scenario's (name, id), opaque to clients.
const scenarioCursor = (s: { name: string; id: string }) => encodeCursor([s.name, s.id])
function afterScenario(cursor: string | undefined): { name: string; id: string } | undefined {
  if (!cursor) return undefined
  const [name, id] = decodeCursor(cursor, z.tuple([CursorText, CursorId]))
  return { name, id }
}

/** A template's scenarios by name, keyset paged: `{items, next_cursor}`. */
scenariosApi.get('/templates/:id/scenarios', async (c) => {
  const template = await templateOr404(c)
  const query = parseInput(ScenarioListQuery, c.req.query())
  const rows = await listScenarios(c.var.db, template.id, query.limit + 1, afterScenario(query.cursor))
  return c.json(keysetPage(rows, query.limit, scenarioCursor, (s) => ({ ...scenarioJson(s), edge_case_count: s.edge_case_count })))
})

// Scenarios

/** Scenario fields from JSON as sent, or from a form's `values.<name>` inputs typed by the template. */
function scenarioBody(c: Context<AppEnv>, body: Record<string, unknown>, template: Template): unknown {
  if ((c.req.header('content-type') ?? '').startsWith('application/json')) return body
  return scenarioInputFromForm(scenarioFormValues(body), template.parameters)
}

const ScenarioRef = z.object({ template_id: z.uuid('Give the id of the template this scenario belongs to') })

scenariosApi.post('/scenarios', async (c) => {
  const ref = await parseBody(c, ScenarioRef)
  const body = await readBody(c)
  const template = await findTemplate(c.var.db, ref.template_id)
  if (!template) throw new NotFound('No such template.')
  const scenario = await insertScenario(c.var.db, template.id, parseScenario(template.parameters, scenarioBody(c, body, template)))
  return c.json(scenarioJson(scenario), 201)
})

async function loadScenario(c: Context<AppEnv>) {
  const found = await findScenarioWithTemplate(c.var.db, uuidParam(c, 'id', 'scenario'))
  if (!found) throw new NotFound('No such scenario.')
  return found
}

scenariosApi.get('/scenarios/:id', async (c) => {
  const { scenario } = await loadScenario(c)
  const edgeCases = await listEdgeCases(c.var.db, scenario.id)
  return c.json({ ...scenarioJson(scenario), edge_cases: edgeCases.map(edgeCaseJson) })
})

scenariosApi.put('/scenarios/:id', async (c) => {
  const { scenario, template } = await loadScenario(c)
  const body = await readBody(c)
  if (body.template_id !== undefined && body.template_id !== template.id) {
    throw new Conflict('A scenario cannot move to another template; create it there instead.')
  }
  const saved = await updateScenario(c.var.db, scenario.id, parseScenario(template.parameters, scenarioBody(c, body, template)))
  if (!saved) throw new NotFound('No such scenario.')
  return c.json(scenarioJson(saved))
})

scenariosApi.delete('/scenarios/:id', async (c) => {
  if (!(await deleteScenario(c.var.db, uuidParam(c, 'id', 'scenario')))) throw new NotFound('No such scenario.')
  return c.body(null, 204)
})

// Edge cases

const NewEdgeCase = EdgeCaseInput.extend({ scenario_id: z.uuid('Give the id of the scenario this edge case belongs to') })

scenariosApi.post('/edge-cases', async (c) => {
  const { scenario_id, ...fields } = await parseBody(c, NewEdgeCase)
  if (!(await findScenario(c.var.db, scenario_id))) throw new NotFound('No such scenario.')
  const edgeCase = await insertEdgeCase(c.var.db, scenario_id, fields)
  return c.json(edgeCaseJson(edgeCase), 201)
})

scenariosApi.get('/edge-cases/:id', async (c) => {
  const found = await findEdgeCaseWithScenario(c.var.db, uuidParam(c, 'id', 'edge case'))
  if (!found) throw new NotFound('No such edge case.')
  return c.json({ ...edgeCaseJson(found.edgeCase), template_id: found.template.id })
})

scenariosApi.put('/edge-cases/:id', async (c) => {
  const id = uuidParam(c, 'id', 'edge case')
  const saved = await updateEdgeCase(c.var.db, id, await parseBody(c, EdgeCaseInput))
  if (!saved) throw new NotFound('No such edge case.')
  return c.json(edgeCaseJson(saved))
})

scenariosApi.delete('/edge-cases/:id', async (c) => {
  if (!(await deleteEdgeCase(c.var.db, uuidParam(c, 'id', 'edge case')))) throw new NotFound('No such edge case.')
  return c.body(null, 204)
})

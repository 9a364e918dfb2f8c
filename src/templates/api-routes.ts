import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { Conflict, NotFound, ValidationFailed } from '../errors'
import { activeAiSettings } from '../generation/ai-settings'
import type { AppEnv } from '../http/env'
import { CursorId, CursorText, decodeCursor, encodeCursor, keysetPage } from '../http/cursor'
import { invalid, parseBody, readBody } from '../http/respond'
import { uuidParam } from '../http/params'
import { viewToReadEditToChange } from './access'
import { estimateCall } from './preview'
import { findPreviewSource, previewPrompts } from './sent-prompts'
import {
  deleteEdgeCase,
  deleteScenario,
  deleteUnusedTemplate,
  duplicateTemplate,
  findEdgeCaseWithScenario,
  findScenario,
  findScenarioWithTemplate,
  findTemplate,
  findTemplateVersionByNumber,
  insertEdgeCase,
  insertScenario,
  insertTemplate,
  listEdgeCases,
  listScenarios,
  listTemplates,
  listTemplateVersions,
  restoreTemplateVersion,
  setTemplateArchived,
  snapshotOf,
  updateEdgeCase,
  updateScenario,
  updateTemplate,
  type EdgeCase,
  type Scenario,
  type Template,
} from './queries'
import { formValuesFromBody, parseTemplateForm } from './form'
import { EdgeCaseInput, parseScenario, scenarioFormValues, scenarioInputFromForm } from './scenarios'
import { TemplateInput } from './validate'

/** The JSON API of templates, scenarios and edge cases (DESIGN.md §8), mounted at /api. */
export const templatesApi = new Hono<AppEnv>()
for (const path of ['/templates', '/templates/*', '/scenarios', '/scenarios/*', '/edge-cases', '/edge-cases/*']) {
  templatesApi.use(path, viewToReadEditToChange)
}

export function templateJson(template: Template) {
  return {
    id: template.id,
    ...snapshotOf(template),
    version: template.version,
    archived_at: template.archived_at,
    created_at: template.created_at,
    updated_at: template.updated_at,
  }
}

export function scenarioJson(scenario: Scenario) {
  const { id, template_id, name, persona, emotion, topic, context, intent, tone, values, created_at, updated_at } = scenario
  return { id, template_id, name, persona, emotion, topic, context, intent, tone, values, created_at, updated_at }
}

export function edgeCaseJson(edgeCase: EdgeCase) {
  const { id, scenario_id, name, type, description, complexity, created_at, updated_at } = edgeCase
  return { id, scenario_id, name, type, description, complexity, created_at, updated_at }
}

async function loadTemplate(c: Context<AppEnv>): Promise<Template> {
  const template = await findTemplate(c.var.db, uuidParam(c, 'id', 'template'))
  if (!template) throw new NotFound('No such template.')
  return template
}

const ListQuery = z.object({
  q: z.string().trim().max(200).optional(),
  archived: z.enum(['true', 'false', '1', '0']).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

templatesApi.get('/templates', async (c) => {
  const parsed = ListQuery.safeParse(c.req.query())
  if (!parsed.success) throw invalid(parsed.error)
  const { q, archived, cursor, limit } = parsed.data
  const page = await listTemplates(c.var.db, { q, archived: archived === 'true' || archived === '1', cursor, limit })
  return c.json(page)
})

/** A template from JSON, or from a portal's form posted with the page form's field names. */
async function templateBody(c: Context<AppEnv>) {
  const body = await readBody(c)
  if ((c.req.header('content-type') ?? '').startsWith('application/json')) {
    const parsed = TemplateInput.safeParse(body)
    if (!parsed.success) throw invalid(parsed.error)
    return { snapshot: parsed.data, body }
  }
  const parsed = parseTemplateForm(formValuesFromBody(body))
  if (!parsed.snapshot) {
    const summary = Object.entries(parsed.fields).map(([field, message]) => `${field}: ${message}`).join('; ')
    throw new ValidationFailed(`Some fields are not valid (${summary}).`, parsed.fields)
  }
  return { snapshot: parsed.snapshot, body }
}

templatesApi.post('/templates', async (c) => {
  const { snapshot } = await templateBody(c)
  const template = await insertTemplate(c.var.db, snapshot, c.var.user!.id)
  c.var.log.info({ actor: c.var.user!.id, templateId: template.id }, 'template created')
  return c.json(templateJson(template), 201)
})

templatesApi.get('/templates/:id', async (c) => {
  const template = await loadTemplate(c)
  const versions = await listTemplateVersions(c.var.db, template.id)
  return c.json({
    ...templateJson(template),
    versions: versions.map((v) => ({ id: v.id, version: v.version, created_at: v.created_at, created_by_email: v.created_by_email })),
  })
})

/** The whole template, as for POST; `base_version` (optional) refuses the save with 409 if someone saved since. */
templatesApi.put('/templates/:id', async (c) => {
  const template = await loadTemplate(c)
  const { snapshot, body } = await templateBody(c)
  const base = z.object({ base_version: z.coerce.number('Give the version number you started from').int().positive().optional() }).safeParse(body)
  if (!base.success) throw invalid(base.error)
  const saved = await updateTemplate(c.var.db, template.id, snapshot, c.var.user!.id, base.data.base_version)
  if (!saved) throw new NotFound('No such template.')
  return c.json(templateJson(saved))
})

templatesApi.delete('/templates/:id', async (c) => {
  if (!(await deleteUnusedTemplate(c.var.db, uuidParam(c, 'id', 'template')))) throw new NotFound('No such template.')
  return c.body(null, 204)
})

templatesApi.post('/templates/:id/archive', async (c) => {
  const template = await setTemplateArchived(c.var.db, (await loadTemplate(c)).id, true)
  return c.json(templateJson(template!))
})

templatesApi.post('/templates/:id/unarchive', async (c) => {
  const template = await setTemplateArchived(c.var.db, (await loadTemplate(c)).id, false)
  return c.json(templateJson(template!))
})

templatesApi.post('/templates/:id/duplicate', async (c) => {
  const copy = await duplicateTemplate(c.var.db, (await loadTemplate(c)).id, c.var.user!.id)
  if (!copy) throw new NotFound('No such template.')
  return c.json(templateJson(copy), 201)
})

const VersionNumber = z.coerce.number().int().positive()

templatesApi.get('/templates/:id/versions/:version', async (c) => {
  const template = await loadTemplate(c)
  const number = VersionNumber.safeParse(c.req.param('version'))
  const version = number.success ? await findTemplateVersionByNumber(c.var.db, template.id, number.data) : undefined
  if (!version) throw new NotFound('No such version of this template.')
  return c.json({ id: version.id, template_id: template.id, version: version.version, created_at: version.created_at, snapshot: version.snapshot })
})

templatesApi.post('/templates/:id/versions/:version/restore', async (c) => {
  const template = await loadTemplate(c)
  const number = VersionNumber.safeParse(c.req.param('version'))
  const restored = number.success ? await restoreTemplateVersion(c.var.db, template.id, number.data, c.var.user!.id) : undefined
  if (!restored) throw new NotFound('No such version of this template.')
  return c.json(templateJson(restored))
})

const PreviewInput = z.object({
  values: z.record(z.string(), z.unknown()).default({}),
  scenario_id: z.uuid().optional(),
  edge_case_id: z.uuid().optional(),
})

templatesApi.post('/templates/:id/preview', async (c) => {
  const template = await loadTemplate(c)
  const input = await parseBody(c, PreviewInput)
  const source = await findPreviewSource(c.var.db, template, input)
  const snapshot = snapshotOf(template)
  const resolved = await previewPrompts(c.var.db, template, input.values, source)
  const settings = await activeAiSettings(c.var.db)
  return c.json({ ...resolved, model: settings.model, estimate: estimateCall(snapshot, resolved, settings) })
})

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
templatesApi.get('/templates/:id/scenarios', async (c) => {
  const template = await loadTemplate(c)
  const query = ScenarioListQuery.safeParse(c.req.query())
  if (!query.success) throw invalid(query.error)
  const after = afterScenario(query.data.cursor)
  const rows = await listScenarios(c.var.db, template.id, query.data.limit + 1, after)
  return c.json(keysetPage(rows, query.data.limit, scenarioCursor, (s) => ({ ...scenarioJson(s), edge_case_count: s.edge_case_count })))
})

// Scenarios

/** Scenario fields from JSON as sent, or from a form's `values[name]` inputs typed by the template. */
function scenarioBody(c: Context<AppEnv>, body: Record<string, unknown>, template: Template): unknown {
  if ((c.req.header('content-type') ?? '').startsWith('application/json')) return body
  return scenarioInputFromForm(scenarioFormValues(body), template.parameters)
}

const ScenarioRef = z.object({ template_id: z.uuid('Give the id of the template this scenario belongs to') })

templatesApi.post('/scenarios', async (c) => {
  const body = await readBody(c)
  const ref = ScenarioRef.safeParse(body)
  if (!ref.success) throw invalid(ref.error)
  const template = await findTemplate(c.var.db, ref.data.template_id)
  if (!template) throw new NotFound('No such template.')
  const scenario = await insertScenario(c.var.db, template.id, parseScenario(template.parameters, scenarioBody(c, body, template)))
  return c.json(scenarioJson(scenario), 201)
})

async function loadScenario(c: Context<AppEnv>) {
  const found = await findScenarioWithTemplate(c.var.db, uuidParam(c, 'id', 'scenario'))
  if (!found) throw new NotFound('No such scenario.')
  return found
}

templatesApi.get('/scenarios/:id', async (c) => {
  const { scenario } = await loadScenario(c)
  const edgeCases = await listEdgeCases(c.var.db, scenario.id)
  return c.json({ ...scenarioJson(scenario), edge_cases: edgeCases.map(edgeCaseJson) })
})

templatesApi.put('/scenarios/:id', async (c) => {
  const { scenario, template } = await loadScenario(c)
  const body = await readBody(c)
  if (body.template_id !== undefined && body.template_id !== template.id) {
    throw new Conflict('A scenario cannot move to another template; create it there instead.')
  }
  const saved = await updateScenario(c.var.db, scenario.id, parseScenario(template.parameters, scenarioBody(c, body, template)))
  if (!saved) throw new NotFound('No such scenario.')
  return c.json(scenarioJson(saved))
})

templatesApi.delete('/scenarios/:id', async (c) => {
  if (!(await deleteScenario(c.var.db, uuidParam(c, 'id', 'scenario')))) throw new NotFound('No such scenario.')
  return c.body(null, 204)
})

// Edge cases

const EdgeCaseRef = z.object({ scenario_id: z.uuid('Give the id of the scenario this edge case belongs to') })

templatesApi.post('/edge-cases', async (c) => {
  const body = await readBody(c)
  const ref = EdgeCaseRef.safeParse(body)
  if (!ref.success) throw invalid(ref.error)
  const fields = EdgeCaseInput.safeParse(body)
  if (!fields.success) throw invalid(fields.error)
  if (!(await findScenario(c.var.db, ref.data.scenario_id))) throw new NotFound('No such scenario.')
  const edgeCase = await insertEdgeCase(c.var.db, ref.data.scenario_id, fields.data)
  return c.json(edgeCaseJson(edgeCase), 201)
})

templatesApi.get('/edge-cases/:id', async (c) => {
  const found = await findEdgeCaseWithScenario(c.var.db, uuidParam(c, 'id', 'edge case'))
  if (!found) throw new NotFound('No such edge case.')
  return c.json({ ...edgeCaseJson(found.edgeCase), template_id: found.template.id })
})

templatesApi.put('/edge-cases/:id', async (c) => {
  const id = uuidParam(c, 'id', 'edge case')
  const saved = await updateEdgeCase(c.var.db, id, await parseBody(c, EdgeCaseInput))
  if (!saved) throw new NotFound('No such edge case.')
  return c.json(edgeCaseJson(saved))
})

templatesApi.delete('/edge-cases/:id', async (c) => {
  if (!(await deleteEdgeCase(c.var.db, uuidParam(c, 'id', 'edge case')))) throw new NotFound('No such edge case.')
  return c.body(null, 204)
})

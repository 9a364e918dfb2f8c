import type { Kysely } from 'kysely'
import type { AiSettings } from './ai-settings'
import type { DB, TemplateParameter } from '../db/schema'
import { listEdgeCases, listScenarios, listTemplates, findLatestTemplateVersion, type EdgeCase, type ScenarioListItem } from '../templates/queries'
import { typedFromText } from '../templates/validate'

/** The /generate form: what it offers, and its fields turned into the same shape the JSON API takes. */

export type GenerateFormValues = Record<string, string | string[]>

export type GenerateChoices = {
  templates: Array<{ id: string; name: string }>
  template?: { id: string; name: string; parameters: TemplateParameter[]; min_turns: number; max_turns: number }
  scenarios: Array<ScenarioListItem & { edge_cases: EdgeCase[] }>
  settings: AiSettings
}

export async function generateChoices(db: Kysely<DB>, templateId: string | undefined, settings: AiSettings): Promise<GenerateChoices> {
  const { items } = await listTemplates(db, { limit: 200 })
  const templates = items.map((t) => ({ id: t.id, name: t.name }))
  const chosen = templateId ? items.find((t) => t.id === templateId) : undefined
  if (!chosen) return { templates, scenarios: [], settings }
  const version = await findLatestTemplateVersion(db, chosen.id)
  const scenarios = await listScenarios(db, chosen.id)
  const withEdges = await Promise.all(scenarios.map(async (s) => ({ ...s, edge_cases: s.edge_case_count ? await listEdgeCases(db, s.id) : [] })))
  const snapshot = version?.snapshot
  return {
    templates,
    template: snapshot && { id: chosen.id, name: chosen.name, parameters: snapshot.parameters, min_turns: snapshot.min_turns, max_turns: snapshot.max_turns },
    scenarios: withEdges,
    settings,
  }
}

/** Form fields → the JSON request: `values.<name>` typed by the template's parameters, grid textareas, blanks dropped. */
export function requestFromForm(body: Record<string, unknown>, parameters: TemplateParameter[]): Record<string, unknown> {
  const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string).trim() : '')
  const types = new Map(parameters.map((p) => [p.name, p.type]))
  const values: Record<string, unknown> = {}
  for (const [key, raw] of Object.entries(body)) {
    if (!key.startsWith('values.') || typeof raw !== 'string') continue
    const name = key.slice('values.'.length)
    const value = typedFromText(types.get(name), raw)
    if (value !== undefined) values[name] = value
  }
  const grid = { persona: text('grid_persona'), emotion: text('grid_emotion'), topic: text('grid_topic') }
  const request: Record<string, unknown> = {
    template_id: text('template_id'),
    scenario_ids: body.scenario_ids,
    edge_case_ids: body.edge_case_ids,
    count_per_item: text('count_per_item') || '1',
    values,
  }
  if (grid.persona || grid.emotion || grid.topic) request.grid = grid
  if (text('message_batches')) request.message_batches = text('message_batches')
  for (const key of ['name', 'model', 'max_tokens', 'random_draws']) if (text(key)) request[key] = text(key)
  return request
}

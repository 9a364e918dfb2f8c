import { type Kysely, sql } from 'kysely'
import { z } from 'zod'
import type { DB, TemplateParameter } from '../db/schema'
import { single } from '../http/params'
import { type EdgeCase, findLatestTemplateVersion, listEdgeCases, listScenarios, listTemplates, type ScenarioListItem } from '../templates/queries'
import { typedValues, typeOfValue, valuesFromForm, valueTextsFromForm } from '../templates/value-fields'
import { type AiSettings, activeAiSettings } from './ai-settings'
import { MAX_BATCH_CHUNKS } from './inputs'

/**
 * The generation forms: what /generate offers, and the fields of /generate and of a conversation's
 * regenerate form turned into the same shape the JSON API takes.
 */

export type GenerateFormValues = Record<string, string | string[]>

export type GenerateChoices = {
  templates: Array<{ id: string; name: string }>
  template?: { id: string; name: string; parameters: TemplateParameter[]; min_turns: number; max_turns: number }
  scenarios: Array<ScenarioListItem & { edge_cases: EdgeCase[] }>
  settings: AiSettings
  /** The chunks chosen in the chunk browser, to ground the batch in. */
  chunks: SelectedChunk[]
}

export type SelectedChunk = { id: string; document_title: string; heading_path: string[]; first_line: string; tokens: number }

/** The chunk ids a form or an address carries (one or many), the well-formed ones only. */
export function chunkIdsOf(value: unknown): string[] {
  const ids = Array.isArray(value) ? value : value === undefined ? [] : [value]
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && z.uuid().safeParse(id).success))].slice(0, MAX_BATCH_CHUNKS)
}

/** What the page shows of each chosen chunk, in the order chosen, in one query; ids of chunks gone are left out. */
async function selectedChunks(db: Kysely<DB>, ids: string[]): Promise<SelectedChunk[]> {
  if (ids.length === 0) return []
  const rows = await db
    .selectFrom('chunks')
    .innerJoin('documents', 'documents.id', 'chunks.document_id')
    .select(['chunks.id', 'chunks.heading_path', 'chunks.tokens', 'documents.title as document_title'])
    .select(sql<string>`left(split_part(btrim(chunks.text), E'\n', 1), 160)`.as('first_line'))
    .where('chunks.id', 'in', ids)
    .execute()
  const byId = new Map(rows.map((row) => [row.id, row]))
  return ids.flatMap((id) => byId.get(id) ?? [])
}

/** A template id from an address or a form, or none when it is missing or not an id. */
export function templateIdOf(value: unknown): string | undefined {
  const id = z.uuid().safeParse(single(value))
  return id.success ? id.data : undefined
}

/** What the /generate page offers; without a template chosen yet, the newest one, so its form shows straight away. */
export async function pageChoices(db: Kysely<DB>, templateId: string | undefined, chunkIds: string[]): Promise<GenerateChoices> {
  const settings = await activeAiSettings(db)
  const choices = await generateChoices(db, templateId, settings, chunkIds)
  const newest = choices.templates[0]
  return !choices.template && newest ? generateChoices(db, newest.id, settings, chunkIds) : choices
}

export type GenerateForm = {
  /** What the page offers for the chosen template, to show the form again. */
  choices: GenerateChoices
  /** The fields as they were typed, to fill the form again. */
  values: GenerateFormValues
  /** The fields as the JSON request they make (validated by the route's schema). */
  request: Record<string, unknown>
}

/** A posted /generate form. */
export async function readGenerateForm(db: Kysely<DB>, body: Record<string, unknown>): Promise<GenerateForm> {
  const values = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]))
  const choices = await generateChoices(db, templateIdOf(body.template_id), await activeAiSettings(db), chunkIdsOf(body.chunk_ids))
  return { choices, values, request: requestFromForm(body, choices.template?.parameters ?? []) }
}

export async function generateChoices(db: Kysely<DB>, templateId: string | undefined, settings: AiSettings, chunkIds: string[] = []): Promise<GenerateChoices> {
  const { items } = await listTemplates(db, { limit: 200 })
  const templates = items.map((t) => ({ id: t.id, name: t.name }))
  const chunks = await selectedChunks(db, chunkIds)
  const chosen = templateId ? items.find((t) => t.id === templateId) : undefined
  if (!chosen) return { templates, scenarios: [], settings, chunks }
  const version = await findLatestTemplateVersion(db, chosen.id)
  const scenarios = await listScenarios(db, chosen.id)
  const withEdges = await Promise.all(scenarios.map(async (s) => ({ ...s, edge_cases: s.edge_case_count ? await listEdgeCases(db, s.id) : [] })))
  const snapshot = version?.snapshot
  return {
    templates,
    template: snapshot && { id: chosen.id, name: chosen.name, parameters: snapshot.parameters, min_turns: snapshot.min_turns, max_turns: snapshot.max_turns },
    scenarios: withEdges,
    settings,
    chunks,
  }
}

/** Form fields → the JSON request: `values.<name>` typed by the template's parameters, grid textareas, blanks dropped. */
export function requestFromForm(body: Record<string, unknown>, parameters: TemplateParameter[]): Record<string, unknown> {
  const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string).trim() : '')
  const values = valuesFromForm(body, parameters)
  const grid = { persona: text('grid_persona'), emotion: text('grid_emotion'), topic: text('grid_topic') }
  const request: Record<string, unknown> = {
    template_id: text('template_id'),
    scenario_ids: body.scenario_ids,
    edge_case_ids: body.edge_case_ids,
    chunk_ids: body.chunk_ids,
    count_per_item: text('count_per_item') || '1',
    values,
  }
  if (grid.persona || grid.emotion || grid.topic) request.grid = grid
  if (text('message_batches')) request.message_batches = text('message_batches')
  for (const key of ['name', 'model', 'max_tokens', 'random_draws']) if (text(key)) request[key] = text(key)
  return request
}

/**
 * A regenerate request: JSON sends `values` as an object; the conversation page's form sends
 * `values.<name>` as text, typed like the value it replaces, and only the changed ones are kept.
 */
export function regenerateRequestFrom(body: Record<string, unknown>, parameters: Record<string, unknown>): Record<string, unknown> {
  const typed = typedValues(valueTextsFromForm(body), (name) => typeOfValue(parameters[name]))
  const changed = Object.fromEntries(Object.entries(typed).filter(([name, value]) => value !== parameters[name]))
  return { model: body.model, values: body.values ?? changed, conversation_version: body.conversation_version }
}

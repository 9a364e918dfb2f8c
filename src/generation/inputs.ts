import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { DimensionSource } from '../chunks/dimension-source'
import type { ChunkContext, DB, TemplateSnapshot, Tier } from '../db/schema'
import { NotFound, ValidationFailed } from '../errors'
import { resolvePrompts } from '../templates/prompt'
import { findLatestTemplateVersion, findTemplate, type ScenarioFields } from '../templates/queries'
import { noTemperature } from './ai-settings'
import { readableDimension } from './grounding'

/**
 * What to generate: a template's latest version, and the items (template alone, scenarios, edge
 * cases, or a grid of persona × emotion × topic) with their prompts resolved exactly as they will
 * be sent. Anything missing, unknown or of the wrong type is refused here, before anything is stored.
 */

/** A repeated form field arrives as a string or an array; JSON sends an array. */
const list = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(item))
const textList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[\n,]/) : v),
  list(z.string()).transform((items) => [...new Set(items.map((s) => s.trim()).filter(Boolean))]),
)
export const MAX_BATCH_CHUNKS = 1000
const Value = z.union([z.string(), z.number(), z.boolean()])

export const GenerationRequest = z.object({
  template_id: z.uuid('must be the id of a template'),
  scenario_ids: list(z.uuid('must be the id of a scenario')).default([]),
  edge_case_ids: list(z.uuid('must be the id of an edge case')).default([]),
  /** Grounded generation: every item is made once per chunk, from the chunk's text. */
  chunk_ids: list(z.uuid('must be the id of a chunk'))
    .pipe(z.array(z.string()).max(MAX_BATCH_CHUNKS, `at most ${MAX_BATCH_CHUNKS} chunks per batch`))
    .default([]),
  values: z.record(z.string(), Value).default({}),
  grid: z.object({ persona: textList.default([]), emotion: textList.default([]), topic: textList.default([]) }).optional(),
  /** With a grid: draw this many random combinations instead of taking them all. */
  random_draws: z.coerce.number().int().min(1, 'must be at least 1').max(100_000).optional(),
  model: z
    .string()
    .trim()
    .regex(/^[a-z0-9.-]+$/, 'must be a model id such as claude-haiku-4-5')
    .optional(),
  temperature: noTemperature,
  max_tokens: z.coerce.number().int().min(256).max(64_000).optional(),
})
export type GenerationRequest = z.infer<typeof GenerationRequest>

/** POST /api/batches and the form's batch request: what to generate, how many of each, and a name. */
export const BatchRequest = GenerationRequest.extend({
  count_per_item: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1'),
  name: z.string().trim().max(200).optional(),
  /** Through the Anthropic Message Batches API: half price, results within 24 hours. */
  message_batches: z.union([z.boolean(), z.stringbool()], { error: 'must be true or false' }).default(false),
})
export type BatchRequest = z.infer<typeof BatchRequest>

export type GenerationItem = {
  scenario_id: string | null
  edge_case_id: string | null
  tier: Tier
  persona: string
  emotion: string
  topic: string
  parameters: Record<string, unknown>
  system_prompt: string
  prompt: string
  parent_chunk_id: string | null
  chunk_context: ChunkContext | null
  dimension_source: DimensionSource | null
}

export type ResolvedGeneration = {
  template: { id: string; name: string }
  templateVersionId: string
  snapshot: TemplateSnapshot
  items: GenerationItem[]
}

/** A scenario's fields that shape a prompt (a saved scenario, a grid cell, a chunk's dimensions). */
type ScenarioLike = Omit<ScenarioFields, 'name'>

export async function resolveGeneration(db: Kysely<DB>, request: GenerationRequest): Promise<ResolvedGeneration> {
  const template = await findTemplate(db, request.template_id)
  if (!template || template.archived_at) throw new NotFound('No such template (it may have been archived or deleted).')
  const version = await findLatestTemplateVersion(db, template.id)
  if (!version) throw new NotFound('This template has no saved version yet.')
  const snapshot = version.snapshot
  const items: GenerationItem[] = []
  const problems: Record<string, string> = {}
  const chunks = await chunksOf(db, request.chunk_ids)
  const add = (tier: Tier, given: ScenarioLike | undefined, ids: { scenario_id: string | null; edge_case_id: string | null }, extra: string, key: string) => {
    if (chunks.length === 0) return addOne(tier, given, ids, extra, key, null)
    for (const chunk of chunks) addOne(tier, given, ids, extra, key, chunk)
  }
  const addOne = (
    tier: Tier,
    given: ScenarioLike | undefined,
    ids: { scenario_id: string | null; edge_case_id: string | null },
    extra: string,
    key: string,
    chunk: GroundingChunk | null,
  ) => {
    const source = chunk ? withChunkDimensions(given, chunk.dimension_source) : given
    const resolved = resolvePrompts(snapshot, request.values, source)
    if (resolved.unknown.length) problems[`${key}values`] = `Not parameters of this template: ${resolved.unknown.join(', ')}`
    for (const [name, problem] of Object.entries(resolved.invalid)) problems[`values.${name}`] = problem
    if (resolved.missing.length) problems[`${key}values`] = `Missing values for: ${resolved.missing.join(', ')}`
    items.push({
      ...ids,
      tier,
      persona: source?.persona ?? '',
      emotion: source?.emotion ?? '',
      topic: source?.topic ?? '',
      parameters: resolved.values,
      system_prompt: resolved.system_prompt,
      prompt: userPrompt(resolved.prompt, snapshot, source, extra),
      parent_chunk_id: chunk?.context.chunk_id ?? null,
      chunk_context: chunk?.context ?? null,
      dimension_source: chunk?.dimension_source ?? null,
    })
  }

  const scenarios = request.scenario_ids.length ? await db.selectFrom('scenarios').selectAll().where('id', 'in', request.scenario_ids).execute() : []
  const edgeCases = request.edge_case_ids.length
    ? await db
        .selectFrom('edge_cases')
        .innerJoin('scenarios', 'scenarios.id', 'edge_cases.scenario_id')
        .selectAll('scenarios')
        .select(['edge_cases.id as edge_case_id', 'edge_cases.type as edge_type', 'edge_cases.description as edge_description', 'edge_cases.complexity'])
        .where('edge_cases.id', 'in', request.edge_case_ids)
        .execute()
    : []
  const foreign = (rows: Array<{ template_id: string }>) => rows.some((row) => row.template_id !== template.id)
  if (scenarios.length < request.scenario_ids.length || foreign(scenarios)) {
    throw new ValidationFailed('A chosen scenario does not exist or belongs to another template.', { scenario_ids: 'Unknown scenario for this template' })
  }
  if (edgeCases.length < request.edge_case_ids.length || foreign(edgeCases)) {
    throw new ValidationFailed('A chosen edge case does not exist or belongs to another template.', { edge_case_ids: 'Unknown edge case for this template' })
  }

  for (const scenario of scenarios) add('T2', scenario, { scenario_id: scenario.id, edge_case_id: null }, '', `scenario ${scenario.name}: `)
  for (const edge of edgeCases) {
    const note = `Edge case${edge.edge_type ? ` (${edge.edge_type})` : ''}, complexity ${edge.complexity}/10: ${edge.edge_description}`
    add('T3', edge, { scenario_id: edge.id, edge_case_id: edge.edge_case_id }, note, `edge case ${edge.name}: `)
  }
  for (const cell of gridCells(request)) add('T1', cell, { scenario_id: null, edge_case_id: null }, '', '')
  if (items.length === 0) add('T1', undefined, { scenario_id: null, edge_case_id: null }, '', '')

  if (Object.keys(problems).length) {
    throw new ValidationFailed(
      `The values do not fit the template (${Object.entries(problems)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ')}).`,
      problems,
    )
  }
  return { template: { id: template.id, name: template.name }, templateVersionId: version.id, snapshot, items }
}

type GroundingChunk = { context: ChunkContext; dimension_source: DimensionSource | null }

/** The chosen chunks in the order given (repeats dropped), with their documents, in one query; an unknown id is refused. */
async function chunksOf(db: Kysely<DB>, ids: string[]): Promise<GroundingChunk[]> {
  if (ids.length === 0) return []
  const unique = [...new Set(ids)]
  const rows = await db
    .selectFrom('chunks')
    .innerJoin('documents', 'documents.id', 'chunks.document_id')
    .select(['chunks.id', 'chunks.document_id', 'chunks.heading_path', 'chunks.text', 'chunks.dimension_source', 'documents.title'])
    .where('chunks.id', 'in', unique)
    .execute()
  const byId = new Map(rows.map((row) => [row.id, row]))
  const unknown = unique.filter((id) => !byId.has(id))
  if (unknown.length) {
    const message = `No such chunk: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''} (it may have been deleted or re-chunked).`
    throw new ValidationFailed(message, { chunk_ids: message })
  }
  return unique.map((id) => {
    const row = byId.get(id)!
    return {
      context: { chunk_id: row.id, document_id: row.document_id, document_title: row.title, heading_path: row.heading_path, text: row.text },
      dimension_source: row.dimension_source,
    }
  })
}

/** The chunk's strongest persona, emotion and topic, as words, wherever the scenario (or grid cell) leaves them blank. */
function withChunkDimensions(source: ScenarioLike | undefined, dimensions: DimensionSource | null): ScenarioLike | undefined {
  if (!dimensions) return source
  const top = (list: DimensionSource['personas']) => (list[0] ? readableDimension(list[0].name) : '')
  const base: ScenarioLike = source ?? { persona: '', emotion: '', topic: '', context: '', intent: '', tone: '', values: {} }
  return {
    ...base,
    persona: base.persona || top(dimensions.personas),
    emotion: base.emotion || top(dimensions.emotions),
    topic: base.topic || top(dimensions.topics),
  }
}

/** Every persona × emotion × topic, or `random_draws` random picks of them. */
function gridCells(request: GenerationRequest): ScenarioLike[] {
  const grid = request.grid
  if (!grid) return []
  const axes = [grid.persona, grid.emotion, grid.topic].map((axis) => (axis.length ? axis : ['']))
  const [personas, emotions, topics] = axes as [string[], string[], string[]]
  if (personas.length * emotions.length * topics.length === 1 && !personas[0] && !emotions[0] && !topics[0]) return []
  const cell = (persona: string, emotion: string, topic: string): ScenarioLike => ({ persona, emotion, topic, context: '', intent: '', tone: '', values: {} })
  if (request.random_draws) {
    const pick = (axis: string[]) => axis[Math.floor(Math.random() * axis.length)]!
    return Array.from({ length: request.random_draws }, () => cell(pick(personas), pick(emotions), pick(topics)))
  }
  return personas.flatMap((p) => emotions.flatMap((e) => topics.map((t) => cell(p, e, t))))
}

/**
 * The user message: the filled template prompt, then the scenario's facts the prompt did not use
 * as placeholders, the edge case, and the shape the answer must have.
 */
function userPrompt(prompt: string, snapshot: TemplateSnapshot, source: ScenarioLike | undefined, extra: string): string {
  const used = new Set(snapshot.parameters.map((p) => p.name))
  const facts = source
    ? (['persona', 'emotion', 'topic', 'context', 'intent', 'tone'] as const)
        .filter((field) => source[field] && !used.has(field))
        .map((field) => `- ${field}: ${source[field]}`)
    : []
  const parts = [prompt.trim()]
  if (facts.length) parts.push(`Scenario:\n${facts.join('\n')}`)
  if (extra) parts.push(extra)
  parts.push(
    `Write between ${snapshot.min_turns} and ${snapshot.max_turns} turns in total, alternating user and assistant, starting with the user. ` +
      'Record the conversation with the record_conversation tool.',
  )
  return parts.join('\n\n')
}

import { type Kysely, sql } from 'kysely'
import type { Config } from '../../config'
import type { DB } from '../../db/schema'
import { activeAiSettings } from '../ai-settings'
import type { BatchEstimate } from '../cost'
import { type GenerationItem, type GenerationRequest, type ResolvedGeneration, resolveGeneration } from '../inputs'
import { addJobsSql, addMessageBatchJob } from '../jobs'
import { checkModel } from '../models'
import { type BatchPlan, type BatchSettings, batchSettingsOf } from './plan'

/** Creating what a planned request makes: the batch (or one conversation) with its queued conversations and their jobs. */

/** Stores a planned batch under its name (or the template's name and the time) for `userId`. */
export async function startBatch(db: Kysely<DB>, config: Config, plan: BatchPlan, userId: string): Promise<{ id: string }> {
  const { request, resolved, estimate } = plan
  const name = request.name || `${resolved.template.name} · ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`
  return createBatch(db, {
    name,
    resolved,
    countPerItem: request.count_per_item,
    estimate,
    settings: batchSettingsOf(request),
    userId,
    simulated: !config.anthropicApiKey,
    messageBatches: request.message_batches,
  })
}

/**
 * One transaction: the batch, one queued conversation per item and copy, and one job each (or,
 * through the Message Batches API, one job for the whole batch). The inserts are set-based (items
 * as JSON × generate_series), so 10,000 conversations are three statements.
 */
async function createBatch(
  db: Kysely<DB>,
  input: {
    name: string
    resolved: ResolvedGeneration
    countPerItem: number
    estimate: BatchEstimate
    settings: BatchSettings
    userId: string | null
    simulated: boolean
    messageBatches: boolean
  },
): Promise<{ id: string }> {
  const ai = await activeAiSettings(db)
  return db.transaction().execute(async (trx) => {
    const batch = await trx
      .insertInto('batches')
      .values({
        name: input.name,
        template_id: input.resolved.template.id,
        template_version_id: input.resolved.templateVersionId,
        settings: JSON.stringify(input.settings),
        estimate: JSON.stringify(input.estimate),
        total: input.estimate.calls,
        simulated: input.simulated,
        uses_message_batches: input.messageBatches,
        created_by: input.userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await insertQueued(trx, {
      withJobs: !input.messageBatches,
      batchId: batch.id,
      templateId: input.resolved.template.id,
      templateVersionId: input.resolved.templateVersionId,
      items: input.resolved.items,
      countPerItem: input.countPerItem,
      userId: input.userId,
      simulated: input.simulated,
      maxAttempts: ai.max_retries + 1,
      model: null,
      maxTokens: null,
    })
    if (input.messageBatches) await addMessageBatchJob(trx, batch.id, 0)
    return batch
  })
}

/** One conversation now, from the request's first item (template, scenario or edge case), with the request's model and max tokens. */
export async function startSingle(db: Kysely<DB>, config: Config, request: GenerationRequest, userId: string): Promise<{ id: string }> {
  const resolved = await resolveGeneration(db, request)
  await checkModel(config, request.model, (await activeAiSettings(db)).model)
  return createSingle(db, {
    resolved,
    userId,
    simulated: !config.anthropicApiKey,
    model: request.model ?? null,
    maxTokens: request.max_tokens ?? null,
  })
}

/** One conversation outside any batch (single generation); its job is added in the same transaction. */
async function createSingle(
  db: Kysely<DB>,
  input: { resolved: ResolvedGeneration; userId: string | null; simulated: boolean; model: string | null; maxTokens: number | null },
): Promise<{ id: string }> {
  const ai = await activeAiSettings(db)
  return db.transaction().execute(async (trx) => {
    const ids = await insertQueued(trx, {
      withJobs: true,
      batchId: null,
      templateId: input.resolved.template.id,
      templateVersionId: input.resolved.templateVersionId,
      items: input.resolved.items.slice(0, 1),
      countPerItem: 1,
      userId: input.userId,
      simulated: input.simulated,
      maxAttempts: ai.max_retries + 1,
      model: input.model,
      maxTokens: input.maxTokens,
    })
    return { id: ids[0]! }
  })
}

async function insertQueued(
  db: Kysely<DB>,
  input: {
    /** One generate_conversation job per conversation, or none (the Message Batches path). */
    withJobs: boolean
    batchId: string | null
    templateId: string
    templateVersionId: string
    items: GenerationItem[]
    countPerItem: number
    userId: string | null
    simulated: boolean
    maxAttempts: number
    model: string | null
    /** A single generation's own max_tokens; a batch's are in its settings. */
    maxTokens: number | null
  },
): Promise<string[]> {
  const items = JSON.stringify(input.items.map((item, ord) => ({ ord, ...item })))
  const count = input.countPerItem
  // Copies of one item are told apart in the prompt, so they come out different from each other.
  const { rows } = await sql<{ id: string }>`
    with items as (
      select * from jsonb_to_recordset(${items}::jsonb) as i(
        ord int, scenario_id uuid, edge_case_id uuid, tier text, persona text, emotion text, topic text,
        parameters jsonb, system_prompt text, prompt text, parent_chunk_id uuid, chunk_context jsonb, dimension_source jsonb)
    ), inserted as (
      insert into conversations (batch_id, template_id, template_version_id, scenario_id, edge_case_id, tier, status,
        persona, emotion, topic, parameters, system_prompt, prompt, parent_chunk_id, chunk_context, dimension_source,
        simulated, model, max_tokens, created_by)
      select ${input.batchId}::uuid, ${input.templateId}::uuid, ${input.templateVersionId}::uuid, i.scenario_id, i.edge_case_id,
        i.tier, 'queued', i.persona, i.emotion, i.topic, i.parameters, i.system_prompt,
        case when ${count}::int > 1
          then i.prompt || E'\n\n' || format('This is variation %s of %s for these inputs: make it clearly different from the others.', n, ${count}::int)
          else i.prompt end,
        i.parent_chunk_id, i.chunk_context, i.dimension_source,
        ${input.simulated}, ${input.model}, ${input.maxTokens}::int, ${input.userId}::uuid
      from items i cross join generate_series(1, ${count}::int) as n
      order by i.ord, n
      returning id
    ), jobs as (${addJobsSql(sql`select id from inserted where ${input.withJobs}::boolean`, input.maxAttempts)})
    select inserted.id from inserted, jobs`.execute(db)
  return rows.map((r) => r.id)
}

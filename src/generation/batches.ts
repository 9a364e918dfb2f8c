import { sql, type Kysely, type SqlBool } from 'kysely'
import { conversationTool } from '../claude/conversation-tool'
import type { BatchStatus, ConversationStatus, DB } from '../db/schema'
import { executePrepared } from '../db/prepared'
import { Conflict, NotFound, ValidationFailed } from '../errors'
import { decodeTimeIdCursor, encodeTimeIdCursor, keysetPage } from '../http/cursor'
import { activeAiSettings, type AiSettings } from './ai-settings'
import { estimateBatch, type BatchEstimate } from './cost'
import { sourceBlockText } from './grounding'
import type { GenerationItem, GenerationRequest, ResolvedGeneration } from './inputs'
import { addGenerationJobs, addJobsSql, addMessageBatchJob, removeGenerationJobs } from './jobs'

/** What a batch will cost and how many conversations it makes, refused when over the configured maximum. */
export function planBatch(
  resolved: ResolvedGeneration,
  request: GenerationRequest,
  countPerItem: number,
  settings: AiSettings,
  messageBatches = false,
): BatchEstimate {
  const calls = resolved.items.length * countPerItem
  if (countPerItem < 1) throw new ValidationFailed('The count per item must be at least 1.', { count_per_item: 'Must be at least 1' })
  if (calls > settings.max_batch_size) {
    const message = `${resolved.items.length} item(s) × ${countPerItem} would make ${calls} conversations; the maximum per batch is ${settings.max_batch_size}.`
    throw new ValidationFailed(message, { count_per_item: message })
  }
  return estimateBatch({
    model: request.model ?? settings.model,
    items: resolved.items.map((item) => ({ system: item.system_prompt, prompt: item.prompt, source: item.chunk_context ? sourceBlockText(item.chunk_context) : undefined })),
    countPerItem,
    minTurns: resolved.snapshot.min_turns,
    maxTurns: resolved.snapshot.max_turns,
    toolText: JSON.stringify(conversationTool),
    requestsPerMinute: settings.requests_per_minute,
    maxConcurrency: settings.max_concurrency,
    messageBatches,
  })
}

export type BatchSettings = { model?: string; max_tokens?: number }

export function batchSettingsOf(request: GenerationRequest): BatchSettings {
  const settings: BatchSettings = {}
  if (request.model) settings.model = request.model
  if (request.max_tokens !== undefined) settings.max_tokens = request.max_tokens
  return settings
}

/**
 * One transaction: the batch, one queued conversation per item and copy, and one job each (or,
 * through the Message Batches API, one job for the whole batch). The inserts are set-based (items
 * as JSON × generate_series), so 10,000 conversations are three statements.
 */
export async function createBatch(
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

/** One conversation outside any batch (single generation); its job is added in the same transaction. */
export async function createSingle(
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

/** `cancelled` counts the conversations its cancellation stopped that were not cleared away (trashed) since. */
export type BatchCounts = { queued: number; generating: number; done: number; failed: number; cancelled: number }

const DONE_STATUSES: ConversationStatus[] = ['pending_review', 'approved', 'rejected', 'needs_revision']

export type LatestResult = {
  id: string
  title: string
  status: ConversationStatus
  quality_score: number | null
  flagged: boolean
  error_code: string | null
  updated_at: Date
}

export type BatchState = {
  id: string
  name: string
  status: BatchStatus
  template_id: string
  template_name: string
  total: number
  counts: BatchCounts
  input_tokens: number
  output_tokens: number
  cost_usd: number
  estimate: Partial<BatchEstimate>
  simulated: boolean
  uses_message_batches: boolean
  message_batch_id: string | null
  /** How many of its conversations were grounded in a source chunk. */
  grounded: number
  created_at: Date
  finished_at: Date | null
  latest: LatestResult[]
}

export async function findBatchState(db: Kysely<DB>, id: string, latest = 10): Promise<BatchState | undefined> {
  const batch = await db
    .selectFrom('batches')
    .innerJoin('templates', 'templates.id', 'batches.template_id')
    .selectAll('batches')
    .select('templates.name as template_name')
    .where('batches.id', '=', id)
    .executeTakeFirst()
  if (!batch) return undefined
  const [groups, recent] = await Promise.all([
    db
      .selectFrom('conversations')
      .select((eb) => [
        'status',
        eb.fn.countAll<number>().as('n'),
        sql<number>`count(*) filter (where deleted_at is null)::int`.as('live'),
        sql<number>`count(*) filter (where chunk_context is not null)::int`.as('grounded'),
        sql<number>`coalesce(sum(input_tokens + cache_read_tokens + cache_write_tokens), 0)::bigint`.as('input_tokens'),
        sql<number>`coalesce(sum(output_tokens), 0)::bigint`.as('output_tokens'),
        sql<number>`coalesce(sum(cost_usd), 0)`.as('cost_usd'),
      ])
      .where('batch_id', '=', id)
      .groupBy('status')
      .execute(),
    db
      .selectFrom('conversations')
      .select(['id', 'title', 'status', 'quality_score', 'flagged', 'error_code', 'updated_at'])
      .where('batch_id', '=', id)
      .where('status', 'not in', ['queued', 'generating', 'cancelled'])
      .where('deleted_at', 'is', null)
      .orderBy('updated_at', 'desc')
      .limit(latest)
      .execute(),
  ])
  const counts: BatchCounts = { queued: 0, generating: 0, done: 0, failed: 0, cancelled: 0 }
  const spent = { input_tokens: 0, output_tokens: 0, cost_usd: 0 }
  let grounded = 0
  for (const { status, n, live, grounded: inGroup, ...sums } of groups) {
    grounded += inGroup
    spent.input_tokens += Number(sums.input_tokens)
    spent.output_tokens += Number(sums.output_tokens)
    spent.cost_usd += Number(sums.cost_usd)
    if (status === 'queued') counts.queued += n
    else if (status === 'generating') counts.generating += n
    else if (status === 'failed') counts.failed += n
    else if (status === 'cancelled') counts.cancelled += live
    else if (DONE_STATUSES.includes(status)) counts.done += n
  }
  return {
    id: batch.id,
    name: batch.name,
    status: batch.status,
    template_id: batch.template_id,
    template_name: batch.template_name,
    total: batch.total,
    counts,
    input_tokens: spent.input_tokens,
    output_tokens: spent.output_tokens,
    cost_usd: Math.round(spent.cost_usd * 1e6) / 1e6,
    estimate: batch.estimate as Partial<BatchEstimate>,
    simulated: batch.simulated,
    uses_message_batches: batch.uses_message_batches,
    message_batch_id: batch.message_batch_id,
    grounded,
    created_at: batch.created_at,
    finished_at: batch.finished_at,
    latest: recent.map((r) => ({ ...r, quality_score: r.quality_score === null ? null : Number(r.quality_score) })),
  }
}

export type BatchListItem = {
  id: string
  name: string
  status: BatchStatus
  total: number
  cost_usd: number
  created_at: Date
  template_name: string
  finished: number
}

/** Newest first, keyset on (created_at, id). */
export async function listBatches(db: Kysely<DB>, query: { cursor?: { created_at: Date; id: string }; limit: number }) {
  let q = db
    .selectFrom('batches')
    .innerJoin('templates', 'templates.id', 'batches.template_id')
    .select(['batches.id', 'batches.name', 'batches.status', 'batches.total', 'batches.created_at', 'templates.name as template_name'])
    // Unfinished batches sum their conversations; finished ones have the totals on the row.
    .select(
      sql<number>`case when batches.status in ('running', 'paused')
        then (select coalesce(sum(cost_usd), 0) from conversations where batch_id = batches.id) else batches.cost_usd end`.as('cost_usd'),
    )
    .select((eb) =>
      eb
        .selectFrom('conversations')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('conversations.batch_id', '=', 'batches.id')
        .where('conversations.status', 'not in', ['queued', 'generating', 'cancelled'])
        .as('finished'),
    )
  const cursor = query.cursor
  if (cursor) q = q.where((eb) => eb.or([eb('batches.created_at', '<', cursor.created_at), eb.and([eb('batches.created_at', '=', cursor.created_at), eb('batches.id', '<', cursor.id)])]))
  const rows = await q.orderBy('batches.created_at', 'desc').orderBy('batches.id', 'desc').limit(query.limit + 1).execute()
  return keysetPage(rows, query.limit, encodeTimeIdCursor, (r): BatchListItem => ({ ...r, cost_usd: Number(r.cost_usd), finished: Number(r.finished ?? 0) }))
}

/** No cursor is the first page; a malformed one is a 400 naming it. */
export function parseBatchCursor(cursor: string | undefined): { created_at: Date; id: string } | undefined {
  return cursor ? decodeTimeIdCursor(cursor) : undefined
}

async function requireBatch(db: Kysely<DB>, id: string) {
  const batch = await db.selectFrom('batches').select(['id', 'status', 'uses_message_batches']).where('id', '=', id).executeTakeFirst()
  if (!batch) throw new NotFound('No such batch.')
  return batch
}

const ofBatch = (id: string) => sql<SqlBool>`batch_id = ${id}::uuid`

/** Pause: the batch's waiting jobs are removed; a job that starts anyway sees the pause and leaves its conversation queued. */
export async function pauseBatch(db: Kysely<DB>, id: string): Promise<void> {
  const batch = await requireBatch(db, id)
  if (batch.status !== 'running') throw new Conflict(`The batch is ${batch.status}; only a running batch can be paused.`)
  if (batch.uses_message_batches) {
    throw new Conflict('A batch sent through the Message Batches API cannot be paused: the API works on it until it ends. Cancel it instead.')
  }
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('batches').set({ status: 'paused', updated_at: sql`now()` }).where('id', '=', id).execute()
    await removeGenerationJobs(trx, sql<SqlBool>`batch_id = ${id}::uuid and status = 'queued'`)
  })
  await notifyBatch(db, id)
}

/** Resume: the queued conversations get their jobs back. */
export async function resumeBatch(db: Kysely<DB>, id: string): Promise<void> {
  const batch = await requireBatch(db, id)
  if (batch.status !== 'paused') throw new Conflict(`The batch is ${batch.status}; only a paused batch can be resumed.`)
  const ai = await activeAiSettings(db)
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('batches').set({ status: 'running', updated_at: sql`now()` }).where('id', '=', id).execute()
    await addGenerationJobs(trx, ofBatch(id), ai.max_retries + 1)
  })
  await finishBatchIfComplete(db, id)
  await notifyBatch(db, id)
}

/** Cancel: what has not been generated yet becomes `cancelled` (no failure, nothing to retry), and its jobs are removed. */
export async function cancelBatch(db: Kysely<DB>, id: string): Promise<void> {
  const batch = await requireBatch(db, id)
  if (batch.status === 'cancelled' || batch.status === 'done') throw new Conflict(`The batch is already ${batch.status}.`)
  await db.transaction().execute(async (trx) => {
    await removeGenerationJobs(trx, sql<SqlBool>`batch_id = ${id}::uuid and status in ('queued', 'generating')`)
    await trx
      .updateTable('conversations')
      .set({ status: 'cancelled', error_code: null, error_message: null, updated_at: sql`now()` })
      .where('batch_id', '=', id)
      .where('status', 'in', ['queued', 'generating'])
      .execute()
    await sql`update batches set status = 'cancelled', finished_at = now(), updated_at = now(), ${totalsFromConversations(id)} where id = ${id}::uuid`.execute(trx)
  })
  await notifyBatch(db, id)
}

/**
 * Clears a batch's cancelled conversations away: they move to the trash (restorable for 30 days,
 * then purged) and leave the batch's counts. Returns how many.
 */
export async function clearCancelled(db: Kysely<DB>, id: string): Promise<number> {
  await requireBatch(db, id)
  const cleared = await db
    .updateTable('conversations')
    .set((eb) => ({ deleted_at: sql`now()`, updated_at: sql`now()`, version: eb('version', '+', 1) }))
    .where('batch_id', '=', id)
    .where('status', '=', 'cancelled')
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  await notifyBatch(db, id)
  return Number(cleared.numUpdatedRows)
}

/** Queues the batch's failed conversations again (the batch runs again if it had finished). */
export async function retryFailed(db: Kysely<DB>, id: string): Promise<number> {
  await requireBatch(db, id)
  const ai = await activeAiSettings(db)
  const n = await db.transaction().execute(async (trx) => {
    const retried = await trx
      .updateTable('conversations')
      .set({ status: 'queued', error_code: null, error_message: null, attempts: 0, updated_at: sql`now()` })
      .where('batch_id', '=', id)
      .where('status', '=', 'failed')
      .returning('id')
      .execute()
    if (retried.length === 0) return 0
    await trx.updateTable('batches').set({ status: 'running', finished_at: null, updated_at: sql`now()` }).where('id', '=', id).execute()
    await addGenerationJobs(trx, ofBatch(id), ai.max_retries + 1)
    return retried.length
  })
  await notifyBatch(db, id)
  return n
}

/** The batch row's token and cost columns as the sums of its conversations (set when it finishes or is cancelled). */
function totalsFromConversations(id: string) {
  return sql`(input_tokens, output_tokens, cost_usd) = (
    select coalesce(sum(input_tokens + cache_read_tokens + cache_write_tokens), 0), coalesce(sum(output_tokens), 0), coalesce(sum(cost_usd), 0)
    from conversations where batch_id = ${id}::uuid)`
}

/** Marks a running batch done once none of its conversations is waiting or generating. */
export async function finishBatchIfComplete(db: Kysely<DB>, id: string): Promise<boolean> {
  // Every finished conversation asks, so the statement is prepared once per connection.
  const { rows } = await executePrepared(
    db,
    'finish_batch_if_complete',
    sql<{ id: string }>`
    with finished as (
      update batches set status = 'done', finished_at = now(), updated_at = now(), ${totalsFromConversations(id)}
      where id = ${id}::uuid and status = 'running'
        and not exists (select 1 from conversations where batch_id = ${id}::uuid and status in ('queued', 'generating'))
      returning id)
    select id, pg_notify('batch_progress', json_build_object('batch_id', id, 'status', 'done')::text) from finished`,
  )
  return rows.length > 0
}

export async function notifyBatch(db: Kysely<DB>, batchId: string): Promise<void> {
  await sql`select pg_notify('batch_progress', json_build_object('batch_id', ${batchId}::text)::text)`.execute(db)
}

import { type Expression, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import type { DimensionSource } from '../chunks/dimension-source'
import { grouped } from '../db/grouped'
import { executePrepared } from '../db/prepared'
import type { ChunkContext, ConversationStatus, DB, TemplateSnapshot, Turn } from '../db/schema'
import type { ErrorCode } from '../error-codes'
import type { AutoDecision } from '../review/auto'
import { finishBatchIfComplete } from './batches/completion'
import { costOf, type Usage } from './cost'
import { rescheduleGeneration } from './jobs'
import { progressNotice } from './progress-channel'
import type { QualityParts } from './quality'

/**
 * The SQL of a conversation's generation: claim it, store its result, fail it or requeue it. Every
 * write is fenced by the claim (status `generating` and the attempts number the claim set), so a
 * superseded attempt changes nothing, and every change tells the batch page on the progress channel.
 */

export type Claimed = {
  id: string
  batch_id: string | null
  attempts: number
  version: number
  model: string | null
  max_tokens: number | null
  system_prompt: string
  prompt: string
  snapshot: TemplateSnapshot | null
  /** Older batches may also carry a temperature, which is not sent (the Messages API no longer takes it). */
  batch_settings: { model?: string; max_tokens?: number } | null
  /** When the first attempt was claimed: the retry budget runs from here. */
  first_attempt_at: Date | null
  has_versions: boolean
  /** A grounded conversation's own copy of its chunk, so it generates even when the chunk is gone. */
  chunk_context: ChunkContext | null
  dimension_source: DimensionSource | null
  /** When this attempt was claimed: its row in the attempts history starts here. */
  claimed_at: Date | null
}

/** What went wrong in an attempt: a code from the documented list, a sentence, and what else is worth keeping (the error log's reference…). */
export type Problem = { code: ErrorCode; message: string; details?: Record<string, unknown> }

/** The conversation columns a claim returns (a constant, never data). */
const CLAIMED_COLUMNS =
  'c.id, c.batch_id, c.attempts, c.version, c.model, c.max_tokens, c.system_prompt, c.prompt, c.template_version_id, c.first_attempt_at, c.chunk_context, c.dimension_source, c.updated_at'

/**
 * queued (or generating, after a crash) → generating, attempts + 1; nothing when it is finished or
 * its batch is paused or cancelled. Returns what the call needs in one round trip, for every claim
 * that gathered meanwhile (the primary key index visits them in id order, so overlapping groups
 * lock in the same order). No progress notification here: every notifying commit takes Postgres's
 * notify-queue lock, and the result's notification follows soon.
 */
export const claim = grouped<string, Claimed | undefined>(async (db, ids) => {
  const { rows } = await executePrepared(
    db,
    'claim_conversations',
    withClaimContext(sql`
      update conversations c set status = 'generating', attempts = c.attempts + 1, updated_at = now(),
        first_attempt_at = case when c.attempts = 0 then now() else coalesce(c.first_attempt_at, now()) end
      where c.id = any(${ids}::uuid[]) and c.status in ('queued', 'generating')
        and not exists (select 1 from batches b where b.id = c.batch_id and b.status in ('paused', 'cancelled'))
      returning ${sql.raw(CLAIMED_COLUMNS)}`),
  )
  const byId = new Map(rows.map((row) => [row.id, row]))
  return ids.map((id) => byId.get(id))
})

/** The batch's conversations claimed and waiting for their result (the Message Batches path). */
export async function claimedOfBatch(db: Kysely<DB>, batchId: string): Promise<Claimed[]> {
  const { rows } = await withClaimContext(
    sql`select ${sql.raw(CLAIMED_COLUMNS)} from conversations c where c.batch_id = ${batchId}::uuid and c.status = 'generating'`,
  ).execute(db)
  return rows
}

/** What a call needs besides the conversation's row: its template version and its batch's settings. */
function withClaimContext(claimedRows: RawBuilder<unknown>) {
  return sql<Claimed>`
    with claimed as (${claimedRows})
    select claimed.id, claimed.batch_id, claimed.attempts, claimed.version, claimed.model, claimed.max_tokens, claimed.system_prompt, claimed.prompt,
      claimed.first_attempt_at, claimed.chunk_context, claimed.dimension_source, claimed.updated_at as claimed_at,
      tv.snapshot, b.settings as batch_settings,
      exists (select 1 from conversation_versions v where v.conversation_id = claimed.id) as has_versions
    from claimed
    left join template_versions tv on tv.id = claimed.template_version_id
    left join batches b on b.id = claimed.batch_id`
}

/** A job for a conversation that cannot be claimed: finished already, or its batch was paused or cancelled. */
export async function skipUnclaimable(db: Kysely<DB>, id: string): Promise<void> {
  const { rows } = await sql<{ batch_id: string }>`
    update conversations c set status = 'cancelled', error_code = null, error_message = null, error_details = null, updated_at = now()
    from batches b
    where c.id = ${id}::uuid and b.id = c.batch_id and b.status = 'cancelled' and c.status in ('queued', 'generating')
    returning c.batch_id`.execute(db)
  if (rows[0]) await checkBatchFinished(db, rows[0].batch_id)
}

export type StoredRow = {
  id: string
  attempts: number
  started_at: Date | null
  lease_id: string | null
  source: 'generated' | 'regenerated'
  title: string
  turns: Turn[]
  turn_count: number
  trimmed_from_turns: number | null
  model: string
  input_tokens: number
  output_tokens: number
  cache_read_tokens: number
  cache_write_tokens: number
  cost_usd: number
  generation_ms: number
  simulated: boolean
  quality_score: number
  quality_parts: QualityParts
  flagged: boolean
  /** pending_review, or what auto-review decided (recorded as auto_action with auto_comment). */
  status: ConversationStatus
  auto_action: AutoDecision['action'] | null
  auto_comment: string | null
}

export const storeResult = grouped<StoredRow, boolean>(async (db, results) => {
  const { rows } = await executePrepared(
    db,
    'store_generated_conversations',
    sql<{ id: string }>`
    with result as (
      select * from jsonb_to_recordset(${JSON.stringify(results)}::jsonb) as r(
        id uuid, attempts int, started_at timestamptz, lease_id uuid, source text, title text, turns jsonb, turn_count int, trimmed_from_turns int, model text,
        input_tokens int, output_tokens int, cache_read_tokens int, cache_write_tokens int, cost_usd numeric,
        generation_ms int, simulated boolean, quality_score numeric, quality_parts jsonb, flagged boolean,
        status text, auto_action text, auto_comment text)
    ), updated as (
      update conversations c set status = r.status, title = r.title, turns = r.turns, turn_count = r.turn_count,
        trimmed_from_turns = r.trimmed_from_turns,
        model = r.model, input_tokens = r.input_tokens, output_tokens = r.output_tokens,
        cache_read_tokens = r.cache_read_tokens, cache_write_tokens = r.cache_write_tokens,
        cost_usd = r.cost_usd, generation_ms = r.generation_ms, simulated = r.simulated,
        quality_score = r.quality_score, quality_parts = r.quality_parts, flagged = r.flagged,
        error_code = null, error_message = null, error_details = null, version = c.version + 1, updated_at = now(),
        reviewed_by = case when r.auto_action is null then c.reviewed_by end,
        reviewed_at = case when r.auto_action is null then c.reviewed_at else now() end
      from result r
      where c.id = r.id and c.status = 'generating' and c.attempts = r.attempts
      returning c.id, c.batch_id, c.title, c.turns, c.parameters, c.model, c.quality_score, c.quality_parts,
        c.input_tokens, c.output_tokens, c.cost_usd, c.created_by, r.source, c.status, r.auto_action, r.auto_comment, r.started_at
    ), attempted as (
      ${attemptRow(sql`select id, 'generated', null::text, null::text, null::jsonb, started_at from updated`)}
    ), versioned as (
      insert into conversation_versions (conversation_id, version, source, title, turns, parameters, model, quality_score, quality_parts,
        input_tokens, output_tokens, cost_usd, created_by)
      select id, coalesce((select max(version) from conversation_versions where conversation_id = updated.id), 0) + 1,
        source, title, turns, parameters, model, quality_score, quality_parts, input_tokens, output_tokens, cost_usd, created_by
      from updated
      returning conversation_id
    ), auto_reviewed as (
      insert into review_actions (conversation_id, reviewer_id, action, from_status, to_status, comment)
      select id, null, auto_action, 'pending_review', status, auto_comment from updated where auto_action is not null
    ), released as (
      delete from claude_leases where id in (select lease_id from result)
    )
    select updated.id, ${progressNotice(sql`json_build_object('batch_id', updated.batch_id, 'conversation_id', updated.id, 'status', updated.status)`)}
    from updated join versioned on versioned.conversation_id = updated.id`,
  )
  const saved = new Set(rows.map((row) => row.id))
  return results.map((r) => saved.has(r.id))
})

/**
 * A claim whose batch was paused or cancelled while it waited for its start slot is handed back
 * before its call: queued again, as if never claimed (resume gives it a job), or cancelled with
 * its batch. True when it was; the caller then makes no call.
 */
export async function handBackIfHalted(db: Kysely<DB>, claimed: Claimed): Promise<boolean> {
  if (!claimed.batch_id) return false
  const { rows } = await sql<{ id: string; batch_id: string; status: ConversationStatus }>`
    with handed as (
      update conversations c set status = case when b.status = 'cancelled' then 'cancelled' else 'queued' end,
        attempts = c.attempts - 1, first_attempt_at = case when c.attempts = 1 then null else c.first_attempt_at end, updated_at = now()
      from batches b
      where c.id = ${claimed.id}::uuid and b.id = c.batch_id and b.status in ('paused', 'cancelled')
        and c.status = 'generating' and c.attempts = ${claimed.attempts}::int
      returning c.id, c.batch_id, c.status
    )
    select id, batch_id, status, ${progressNotice(sql`json_build_object('batch_id', batch_id, 'conversation_id', id, 'status', status)`)} from handed`.execute(
    db,
  )
  if (!rows[0]) return false
  if (rows[0].status === 'cancelled') await checkBatchFinished(db, rows[0].batch_id)
  return true
}

/** Results that finished together ask once per batch whether it is done. */
export const checkBatchFinished = grouped<string, void>(async (db, batchIds) => {
  for (const id of new Set(batchIds)) await finishBatchIfComplete(db, id)
  return batchIds.map(() => undefined)
})

/**
 * One row of the conversation's attempts history from `attempts` (conversation_id, outcome, code,
 * message, details, started_at), numbered after its earlier ones: only the claim's holder writes,
 * so the numbers never race.
 */
function attemptRow(attempts: RawBuilder<unknown>) {
  return sql`insert into generation_attempts (conversation_id, attempt, outcome, code, message, details, started_at)
    select a.id, coalesce((select max(g.attempt) from generation_attempts g where g.conversation_id = a.id), 0) + 1, a.outcome, a.code, a.message, a.details, a.started_at
    from (${attempts}) as a(id, outcome, code, message, details, started_at)`
}

/** The conversation fails with what happened, its spend so far kept, and the attempt in its history. */
export async function fail(db: Kysely<DB>, claimed: Claimed, problem: Problem, spentOn?: { model: string; usage: Usage }): Promise<'failed'> {
  const usage = spentOn?.usage
  const spent = spentOn ? costOf(spentOn.model, spentOn.usage) : 0
  const details = JSON.stringify(problem.details ?? null)
  await sql`
    with failed as (
      update conversations set status = 'failed', error_code = ${problem.code}, error_message = ${problem.message}, error_details = ${details}::jsonb,
        last_error_at = now(), updated_at = now(),
        input_tokens = input_tokens + ${usage?.input_tokens ?? 0}::int, output_tokens = output_tokens + ${usage?.output_tokens ?? 0}::int,
        cost_usd = cost_usd + ${spent}
      where id = ${claimed.id}::uuid and status = 'generating' and attempts = ${claimed.attempts}::int
      returning id, batch_id
    ), attempted as (
      ${attemptRow(sql`select id, 'failed', ${problem.code}::text, ${problem.message}::text, ${details}::jsonb, ${claimed.claimed_at}::timestamptz from failed`)}
    )
    select ${progressNotice(sql`json_build_object('batch_id', batch_id, 'conversation_id', id, 'status', 'failed')`)} from failed`.execute(db)
  if (claimed.batch_id) await checkBatchFinished(db, claimed.batch_id)
  return 'failed'
}

/**
 * Back to queued with the transient error shown (and counted as a retry), the attempt in its
 * history, and the job again at `runAt` (Claude's retry-after or our backoff).
 */
export async function requeue(
  db: Kysely<DB>,
  claimed: Claimed,
  problem: Problem,
  runAt: Date,
  maxAttempts: number,
  opts: { restartBudget?: boolean } = {},
): Promise<void> {
  const details = JSON.stringify({ ...problem.details, retry_at: runAt.toISOString() })
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('conversations')
      .set({
        status: 'queued',
        error_code: problem.code,
        error_message: `${problem.message} Retrying automatically.`,
        error_details: details,
        last_error_at: sql`now()`,
        retry_count: sql`retry_count + 1`,
        updated_at: sql`now()`,
        ...(opts.restartBudget ? { first_attempt_at: null } : {}),
      })
      .where('id', '=', claimed.id)
      .where('status', '=', 'generating')
      .where('attempts', '=', claimed.attempts)
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) === 0) return
    await attemptRow(
      sql`values (${claimed.id}::uuid, 'retrying', ${problem.code}::text, ${problem.message}::text, ${details}::jsonb, ${claimed.claimed_at}::timestamptz)`,
    ).execute(trx)
    await rescheduleGeneration(trx, claimed.id, runAt, maxAttempts)
  })
}

/** Failed conversations matching `where` back to queued with their attempts and error cleared (a retry starts afresh), counted as a retry. */
export async function requeueFailed(db: Kysely<DB>, where: Expression<SqlBool>): Promise<Array<{ id: string; batch_id: string | null }>> {
  return db
    .updateTable('conversations')
    .set({
      status: 'queued',
      error_code: null,
      error_message: null,
      error_details: null,
      attempts: 0,
      retry_count: sql`retry_count + 1`,
      updated_at: sql`now()`,
    })
    .where(where)
    .where('status', '=', 'failed')
    .returning(['id', 'batch_id'])
    .execute()
}

/**
 * Claims not touched for `minutes` (their worker gone, their job lost or given up on) back to queued,
 * as generate.ts puts back an interrupted one: the attempts number stays, so a late answer to the old
 * claim is fenced out, and the retry budget starts afresh. Returns how many.
 */
export async function releaseStaleClaims(db: Kysely<DB>, where: Expression<SqlBool>, minutes: number): Promise<number> {
  const released = await db
    .updateTable('conversations')
    .set({
      status: 'queued',
      first_attempt_at: null,
      error_code: 'interrupted',
      error_message: 'The worker stopped during generation. Retrying automatically.',
      updated_at: sql`now()`,
    })
    .where(where)
    .where('status', '=', 'generating')
    .where('updated_at', '<', sql<Date>`now() - make_interval(mins => ${minutes}::int)`)
    .executeTakeFirst()
  return Number(released.numUpdatedRows)
}

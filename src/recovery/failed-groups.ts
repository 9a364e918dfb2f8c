import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import { z } from 'zod'
import { addJob } from '../db/jobs'
import type { DB } from '../db/schema'
import { activeAiSettings } from '../generation/ai-settings'
import { reopenBatches } from '../generation/batches/completion'
import { requeueFailed } from '../generation/claims'
import { addGenerationJobs } from '../generation/jobs'
import { notifyBatch } from '../generation/progress-channel'
import { optionalField } from '../http/params'

/**
 * Failed conversations grouped by their error code, and "retry all in this group": always a job
 * (tasks/retry_failed.ts), so the request answers at once however large the group. The job works
 * through the group in id order, RETRY_CHUNK conversations per transaction, each chunk queueing the
 * next as the same keyed job: a crash repeats one chunk at most, and a conversation that fails again
 * while the group is being retried is not picked up a second time.
 */

/** Failures stored without a code (older rows, seeded demos) are counted and retried as `unknown`. */
export const UNCODED = 'unknown'

export type FailedGroup = { code: string; count: number }

/** A group of failed conversations: one error code, optionally within one batch. */
export const RetryGroupInput = z.object({
  code: z.preprocess(
    (v) => (Array.isArray(v) && v.length === 1 ? v[0] : v),
    z
      .string({ error: 'must be an error code' })
      .trim()
      .regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be an error code (lower-case letters, digits and _)'),
  ),
  batch_id: optionalField(z.uuid({ error: 'must be a batch id' })),
})
export type RetryGroup = { code: string; batchId?: string | undefined }

function inGroup(group: RetryGroup): RawBuilder<SqlBool> {
  const code = group.code === UNCODED ? sql`(error_code = ${UNCODED} or error_code is null)` : sql`error_code = ${group.code}`
  const batch = group.batchId ? sql`and batch_id = ${group.batchId}::uuid` : sql``
  return sql<SqlBool>`status = 'failed' and deleted_at is null and ${code} ${batch}`
}

/** Counts by code, largest first, from the partial index on failed conversations alone. */
export async function failedByCode(db: Kysely<DB>, batchId?: string): Promise<FailedGroup[]> {
  const { rows } = await sql<FailedGroup>`
    select coalesce(error_code, ${UNCODED}) as code, count(*)::int as count
    from conversations
    where status = 'failed' and deleted_at is null ${batchId ? sql`and batch_id = ${batchId}::uuid` : sql``}
    group by 1 order by 2 desc, 1`.execute(db)
  return rows
}

export async function countFailedGroup(db: Kysely<DB>, group: RetryGroup): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from conversations where ${inGroup(group)}`.execute(db)
  return rows[0]?.n ?? 0
}

export const RETRY_TASK = 'retry_failed'
export const RETRY_CHUNK = 1_000

/** What the job carries, checked again when it runs (old jobs outlive code). */
export const RetryJobPayload = z.object({
  code: z.string().min(1),
  batchId: z.uuid().nullable(),
  /** The last id of the chunk before: the next chunk starts after it. */
  after: z.uuid().nullable(),
  userId: z.uuid(),
})
export type RetryJobPayload = z.infer<typeof RetryJobPayload>

/** One job per group: asking again while it runs starts it over instead of running two. */
const retryJobKey = (group: RetryGroup) => `${RETRY_TASK}:${group.code}:${group.batchId ?? 'all'}`

/** Queues the retry of the whole group; returns how many conversations it will retry (0: nothing queued). */
export async function queueGroupRetry(db: Kysely<DB>, group: RetryGroup, userId: string): Promise<number> {
  const queued = await countFailedGroup(db, group)
  if (queued > 0) await addRetryJob(db, { code: group.code, batchId: group.batchId ?? null, after: null, userId })
  return queued
}

async function addRetryJob(db: Kysely<DB>, payload: RetryJobPayload): Promise<void> {
  await addJob(db, RETRY_TASK, payload, { jobKey: retryJobKey({ code: payload.code, batchId: payload.batchId ?? undefined }), maxAttempts: 5 })
}

/**
 * One chunk of the group's retry, in one transaction: back to queued with attempts and error
 * cleared (as a single retry), their finished batches running again, their generation jobs added,
 * and the next chunk's job when this one was full. Returns how many were requeued.
 */
export async function retryChunk(db: Kysely<DB>, payload: RetryJobPayload, size = RETRY_CHUNK): Promise<number> {
  const group = { code: payload.code, batchId: payload.batchId ?? undefined }
  const ai = await activeAiSettings(db)
  const after = payload.after ? sql`and id > ${payload.after}::uuid` : sql``
  const chunk = sql<SqlBool>`id in (
    select id from conversations where ${inGroup(group)} ${after} order by id limit ${size})`
  const rows = await db.transaction().execute(async (trx) => {
    const requeued = await requeueFailed(trx, chunk)
    if (requeued.length === 0) return requeued
    const ids = requeued.map((r) => r.id)
    await reopenBatches(trx, [...new Set(requeued.flatMap((r) => (r.batch_id ? [r.batch_id] : [])))])
    await addGenerationJobs(trx, sql<SqlBool>`id = any(${ids}::uuid[])`, ai.max_retries + 1)
    if (requeued.length === size) await addRetryJob(trx, { ...payload, after: ids.sort().at(-1)! })
    return requeued
  })
  for (const batchId of new Set(rows.flatMap((r) => (r.batch_id ? [r.batch_id] : [])))) await notifyBatch(db, batchId)
  return rows.length
}

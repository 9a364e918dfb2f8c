import { type Expression, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import { addJob, addKeyedJobs } from '../db/jobs'
import type { DB } from '../db/schema'

/**
 * graphile-worker jobs for conversations, added and removed with SQL on the caller's connection or
 * transaction, so rows and jobs commit together. One job per conversation, keyed by its id.
 */
export const GENERATE_TASK = 'generate_conversation'

export function jobKey(conversationId: string): string {
  return `${GENERATE_TASK}:${conversationId}`
}

/** Adds (or replaces) the job of each queued conversation matching `where`; returns how many. */
export async function addGenerationJobs(db: Kysely<DB>, where: Expression<SqlBool>, maxAttempts: number): Promise<number> {
  const ids = sql`select id from conversations where status = 'queued' and ${where}`
  const { rows } = await addJobsSql(ids, maxAttempts).execute(db)
  return rows[0]?.n ?? 0
}

/** Adds the jobs for conversations an arbitrary id query returns (e.g. a CTE that just inserted them). */
export function addJobsSql(idsQuery: RawBuilder<unknown>, maxAttempts: number): RawBuilder<{ n: number }> {
  return addKeyedJobs(GENERATE_TASK, 'conversationId', idsQuery, maxAttempts)
}

/** Runs the conversation's job again at `runAt` (e.g. after Claude's retry-after). */
export async function rescheduleGeneration(db: Kysely<DB>, conversationId: string, runAt: Date, maxAttempts: number): Promise<void> {
  await addJob(db, GENERATE_TASK, { conversationId }, { runAt, maxAttempts, jobKey: jobKey(conversationId) })
}

/** The job that submits a batch to the Message Batches API, then polls it until its results are in. */
export const MESSAGE_BATCH_TASK = 'message_batch'

/** Adds (or moves) the batch's Message Batches job; `poll` counts the polls so far, for the backoff. */
export async function addMessageBatchJob(db: Kysely<DB>, batchId: string, poll: number, runAt?: Date): Promise<void> {
  await addJob(db, MESSAGE_BATCH_TASK, { batchId, poll }, { runAt, maxAttempts: 10, jobKey: `${MESSAGE_BATCH_TASK}:${batchId}` })
}

/** Removes the waiting jobs of the conversations matching `where` (a job already running finishes on its own). */
export async function removeGenerationJobs(db: Kysely<DB>, where: Expression<SqlBool>): Promise<void> {
  await sql`select graphile_worker.remove_job(${`${GENERATE_TASK}:`}::text || id) from conversations where ${where}`.execute(db)
}

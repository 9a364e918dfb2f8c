import { type Kysely, type SqlBool, sql } from 'kysely'
import { z } from 'zod'
import type { DB } from '../../db/schema'
import { Conflict, NotFound } from '../../errors'
import { activeAiSettings } from '../ai-settings'
import { releaseStaleClaims, requeueFailed } from '../claims'
import { addGenerationJobs, removeGenerationJobs } from '../jobs'
import { notifyBatch } from '../progress-channel'
import { finishBatchIfComplete, totalsFromConversations } from './completion'

/** A batch's controls: pause, resume, cancel, clear its cancelled conversations, retry its failed ones. */

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

/**
 * Resume from Recovery: a running batch that stopped making progress. Claims untouched for
 * `staleMinutes` are released and every queued conversation gets its job again (a waiting job is
 * replaced, not doubled), as after a worker's crash. Returns how many claims were released and
 * how many jobs were added.
 */
export async function resumeStuckBatch(db: Kysely<DB>, id: string, staleMinutes: number): Promise<{ released: number; queued: number }> {
  const batch = await requireBatch(db, id)
  if (batch.status !== 'running') throw new Conflict(`The batch is ${batch.status}; only a running batch that stopped making progress is resumed here.`)
  if (batch.uses_message_batches) {
    throw new Conflict('A batch sent through the Message Batches API waits for the API (up to 24 hours); its own job collects the results.')
  }
  const ai = await activeAiSettings(db)
  const result = await db.transaction().execute(async (trx) => {
    // Resumed now: the batch counts as silent again only N minutes from here.
    await trx.updateTable('batches').set({ updated_at: sql`now()` }).where('id', '=', id).execute()
    const released = await releaseStaleClaims(trx, ofBatch(id), staleMinutes)
    const queued = await addGenerationJobs(trx, ofBatch(id), ai.max_retries + 1)
    return { released, queued }
  })
  await finishBatchIfComplete(db, id)
  await notifyBatch(db, id)
  return result
}

/** Cancel: what has not been generated yet becomes `cancelled` (no failure, nothing to retry), and its jobs are removed. */
export async function cancelBatch(db: Kysely<DB>, id: string): Promise<void> {
  const batch = await requireBatch(db, id)
  if (batch.status === 'cancelled' || batch.status === 'done') throw new Conflict(`The batch is already ${batch.status}.`)
  await db.transaction().execute(async (trx) => {
    await removeGenerationJobs(trx, sql<SqlBool>`batch_id = ${id}::uuid and status in ('queued', 'generating')`)
    await trx
      .updateTable('conversations')
      .set({ status: 'cancelled', error_code: null, error_message: null, error_details: null, updated_at: sql`now()` })
      .where('batch_id', '=', id)
      .where('status', 'in', ['queued', 'generating'])
      .execute()
    await sql`update batches set status = 'cancelled', finished_at = now(), updated_at = now(), ${totalsFromConversations(id)} where id = ${id}::uuid`.execute(
      trx,
    )
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
    const retried = await requeueFailed(trx, ofBatch(id))
    if (retried.length === 0) return 0
    await trx.updateTable('batches').set({ status: 'running', finished_at: null, updated_at: sql`now()` }).where('id', '=', id).execute()
    await addGenerationJobs(trx, ofBatch(id), ai.max_retries + 1)
    return retried.length
  })
  await notifyBatch(db, id)
  return n
}

/** The controls by the name their routes take (/batches/:id/<name>). */
export const BATCH_CONTROLS = { pause: pauseBatch, resume: resumeBatch, cancel: cancelBatch, retry: retryFailed, 'clear-cancelled': clearCancelled } as const
export const BatchControl = z.enum(['pause', 'resume', 'cancel', 'retry', 'clear-cancelled'])

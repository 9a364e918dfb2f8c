import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { DB } from '../db/schema'

/**
 * Batch progress travels on one Postgres channel: whatever changes a batch (a stored result, a
 * failure, a control) notifies it with `{batch_id, …}` in the same statement or right after, and
 * the web process's progress hub LISTENs on it (progress-hub.ts) to push the batch page.
 */
export const PROGRESS_CHANNEL = 'batch_progress'

/** `pg_notify` on the progress channel, as an expression for a statement that changes a batch. */
export function progressNotice(payload: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`pg_notify(${PROGRESS_CHANNEL}::text, (${payload})::text)`
}

/** Tells the batch's open pages that it changed (they read its state again). */
export async function notifyBatch(db: Kysely<DB>, batchId: string): Promise<void> {
  await sql`select ${progressNotice(sql`json_build_object('batch_id', ${batchId}::text)`)}`.execute(db)
}

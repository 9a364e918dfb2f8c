import { type Kysely, sql } from 'kysely'
import type { DB, ExportFormat, ExportStatus } from '../db/schema'

/**
 * Exports to run again: failed ones, and those expired in the last week (older ones stay on the
 * exports page), unless deleted or already run again.
 */
export type RecoverableExport = {
  id: string
  format: ExportFormat
  status: ExportStatus
  error: string | null
  /** How many conversations were in scope when it was asked for. */
  total: number | null
  created_at: Date
  finished_at: Date | null
  expires_at: Date | null
}

export const EXPIRED_SHOWN_DAYS = 7

export async function listRecoverableExports(db: Kysely<DB>, limit = 50): Promise<RecoverableExport[]> {
  return db
    .selectFrom('exports')
    .select(['id', 'format', 'status', 'error', 'created_at', 'finished_at', 'expires_at', sql<number | null>`(report->>'total')::int`.as('total')])
    .where('deleted_at', 'is', null)
    .where('replaced_by', 'is', null)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'failed'),
        eb.and([eb('status', '=', 'expired'), eb('expires_at', '>', sql<Date>`now() - make_interval(days => ${EXPIRED_SHOWN_DAYS})`)]),
      ]),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
}

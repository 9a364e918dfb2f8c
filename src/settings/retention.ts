import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'

export type Retention = { error_log_days: number; backup_days: number }

/** How long the error log and backups are kept (the retention settings page changes them). */
export async function readRetention(db: Kysely<DB>): Promise<Retention> {
  const row = await db.selectFrom('retention_settings').select(['error_log_days', 'backup_days']).executeTakeFirst()
  return row ?? { error_log_days: 30, backup_days: 7 }
}

import { type Kysely, sql } from 'kysely'
import { z } from 'zod'
import { recordChange } from '../audit/changes'
import type { DB } from '../db/schema'
import { inTransaction } from '../db/transaction'
import { optionalField } from '../http/params'

export type Retention = { error_log_days: number; backup_days: number }

/** How long the error log and backups are kept (the retention settings page changes them). */
export async function readRetention(db: Kysely<DB>): Promise<Retention> {
  const row = await db.selectFrom('retention_settings').select(['error_log_days', 'backup_days']).executeTakeFirst()
  return row ?? { error_log_days: 30, backup_days: 7 }
}

const days = (max: number) =>
  optionalField(
    z.coerce
      .number({ error: `must be a number of days from 1 to ${max}` })
      .int(`must be a whole number of days from 1 to ${max}`)
      .min(1)
      .max(max),
  )

/** PUT /api/settings/retention and the form: either or both; a value left out stays as it is. */
export const RetentionInput = z.object({ error_log_days: days(3650), backup_days: days(365) })
export type RetentionInput = z.infer<typeof RetentionInput>

/** Saves the retention (recorded in the audit trail with the values before and after); `rolledBackFrom` marks a rollback. */
export async function saveRetention(db: Kysely<DB>, input: RetentionInput, userId: string, rolledBackFrom?: string): Promise<Retention> {
  return inTransaction(db, async (trx) => {
    const before = await readRetention(trx)
    const after: Retention = {
      error_log_days: input.error_log_days ?? before.error_log_days,
      backup_days: input.backup_days ?? before.backup_days,
    }
    // Saving the same values again changes nothing, so the audit trail shows nothing.
    if (after.error_log_days === before.error_log_days && after.backup_days === before.backup_days) return before
    // The one row, put back if it was ever removed.
    const row = { ...after, updated_at: sql<Date>`now()`, updated_by: userId }
    await trx
      .insertInto('retention_settings')
      .values({ id: true, ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute()
    await recordChange(trx, {
      type: 'retention',
      summary: rolledBackFrom ? 'Retention rolled back' : 'Retention changed',
      userId,
      before,
      after,
      rolledBackFrom,
    })
    return after
  })
}

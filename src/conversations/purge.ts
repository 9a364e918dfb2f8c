import { type Kysely, sql } from 'kysely'
import { inBackup, withBackup } from '../backups/write'
import type { DB } from '../db/schema'
import { TRASH_DAYS } from './edit'

/**
 * Deletes for good the conversations trashed more than TRASH_DAYS ago (past their restore window),
 * with their versions, review actions and claims (on delete cascade), after saving them as a backup
 * the Backups page can restore. Rows another transaction holds are left for the next run. Returns
 * how many were deleted.
 */
export async function purgeExpiredTrash(db: Kysely<DB>, backupDir: string): Promise<number> {
  const items = db
    .selectFrom('conversations')
    .select('id')
    .where('deleted_at', '<', sql<Date>`now() - make_interval(days => ${TRASH_DAYS})`)
    .forUpdate()
    .skipLocked()
  const description = `Conversations deleted for good after ${TRASH_DAYS} days in the trash`
  return withBackup(db, backupDir, { reason: 'purge_trash', description, userId: null, items }, async (trx, backup) => {
    const { numAffectedRows } = await sql`delete from conversations where id in ${inBackup(backup.id)}`.execute(trx)
    return Number(numAffectedRows ?? 0n)
  })
}

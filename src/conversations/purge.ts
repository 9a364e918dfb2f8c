import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema'
import { TRASH_DAYS } from './edit'

/** Conversations deleted per statement: each takes its versions, review actions and claims with it (on delete cascade). */
export const PURGE_CHUNK = 500

/**
 * Deletes for good the conversations trashed more than TRASH_DAYS ago (past their restore window),
 * a chunk at a time so no statement holds many locks or runs long; rows another transaction holds
 * are left for the next run. Returns how many were deleted.
 */
export async function purgeExpiredTrash(db: Kysely<DB>, chunk = PURGE_CHUNK): Promise<number> {
  let purged = 0
  for (;;) {
    const { numAffectedRows } = await sql`
      delete from conversations c
      using (
        select id from conversations
        where deleted_at < now() - make_interval(days => ${TRASH_DAYS})
        order by deleted_at, id
        limit ${chunk}
        for update skip locked
      ) expired
      where c.id = expired.id`.execute(db)
    const n = Number(numAffectedRows ?? 0n)
    purged += n
    if (n < chunk) return purged
  }
}

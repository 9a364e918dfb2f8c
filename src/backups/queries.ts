import { readdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { type Kysely, sql } from 'kysely'
import { cursorAt, newestFirstPage } from '../db/newest-first'
import type { BackupReason, DB, RestoreResult } from '../db/schema'
import type { KeysetPage } from '../http/cursor'
import { backupFile } from './write'

export type BackupItem = {
  id: string
  reason: BackupReason
  description: string
  count: number
  created_by: string | null
  created_by_email: string | null
  created_at: Date
  expires_at: Date
  restored_at: Date | null
  restore_result: RestoreResult | null
  expired: boolean
}

const withAuthor = (db: Kysely<DB>) =>
  db
    .selectFrom('backups')
    .leftJoin('users', 'users.id', 'backups.created_by')
    .select([
      'backups.id',
      'backups.reason',
      'backups.description',
      'backups.count',
      'backups.created_by',
      'users.email as created_by_email',
      'backups.created_at',
      'backups.expires_at',
      'backups.restored_at',
      'backups.restore_result',
      sql<boolean>`backups.status = 'expired' or backups.expires_at <= now()`.as('expired'),
    ])
    .where('backups.status', '!=', 'writing')

/** The backups that can be restored (written completely and not expired), newest first. */
export async function listBackups(db: Kysely<DB>, page: { cursor?: string | undefined; limit: number }): Promise<KeysetPage<BackupItem>> {
  const query = withAuthor(db).select(cursorAt('backups.created_at')).where('backups.status', '=', 'ready').where('backups.expires_at', '>', sql<Date>`now()`)
  return newestFirstPage(query, { at: 'backups.created_at', id: 'backups.id' }, { ...page, field: 'cursor' }, (row) => row)
}

/** One backup that was written completely (expired ones too: their page says so). */
export async function findBackup(db: Kysely<DB>, id: string): Promise<BackupItem | undefined> {
  return withAuthor(db).where('backups.id', '=', id).executeTakeFirst()
}

/** Marks backups past their expiry 'expired' (a restore then answers 410) and deletes their files. */
export async function expireBackups(db: Kysely<DB>, dir: string): Promise<number> {
  const expired = await db
    .updateTable('backups')
    .set({ status: 'expired' })
    .where('status', '=', 'ready')
    .where('expires_at', '<=', sql<Date>`now()`)
    .returning('id')
    .execute()
  // A restore of an expired backup answers 410 from its row alone; its items are no longer needed.
  if (expired.length)
    await db
      .deleteFrom('backup_items')
      .where(
        'backup_id',
        'in',
        expired.map((b) => b.id),
      )
      .execute()
  for (const { id } of expired) await rm(backupFile(dir, id), { force: true })
  return expired.length
}

/** How long a file without a listed backup may be one still being written (its transaction not yet committed). */
export const STRAY_AFTER_MS = 3600_000

/**
 * Deletes files under the backup folder that no ready backup owns: temporary files a killed
 * process left, and backups whose action rolled back. Young files are left alone: they may belong
 * to a backup whose transaction has not committed yet.
 */
export async function removeStrayFiles(db: Kysely<DB>, dir: string, now = Date.now()): Promise<number> {
  const names = await readdir(dir).catch(() => [])
  let removed = 0
  for (const name of names) {
    const file = path.join(dir, name)
    const info = await stat(file).catch(() => undefined)
    if (!info?.isFile() || now - info.mtimeMs < STRAY_AFTER_MS) continue
    const owner = name.endsWith('.jsonl.gz')
      ? await db.selectFrom('backups').select('id').where('file', '=', name).where('status', '=', 'ready').executeTakeFirst()
      : undefined
    if (owner) continue
    await rm(file, { force: true })
    removed++
  }
  return removed
}

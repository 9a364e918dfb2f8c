import { rm } from 'node:fs/promises'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'
import { type ExportFile, listExpiredExports, markExpired, markExportDeleted } from './queries'

export async function removeFiles(files: ExportFile[]): Promise<void> {
  await Promise.all(files.map((f) => rm(f.path, { force: true })))
}

/** Deletes the files of exports past their retention and marks them expired; the rows stay as the audit trail. */
export async function expireExports(db: Kysely<DB>, now = new Date()): Promise<number> {
  let expired = 0
  for (;;) {
    const due = await listExpiredExports(db, now, 100)
    for (const row of due) {
      await removeFiles(row.files)
      await markExpired(db, row.id)
    }
    expired += due.length
    if (due.length < 100) return expired
  }
}

/** Deletes an export's files now; the row stays, marked deleted. False when there was nothing to delete. */
export async function deleteExport(db: Kysely<DB>, id: string): Promise<boolean> {
  const files = await markExportDeleted(db, id)
  if (!files) return false
  await removeFiles(files)
  return true
}

import type { BackupReason } from '../../src/db/schema'

/** What each kind of backup was taken before, as the Backups page names it. */
export const REASON_LABELS: Record<BackupReason, string> = {
  bulk_delete: 'Bulk delete',
  bulk_reject: 'Bulk reject',
  purge_trash: 'Trash emptied',
  template_delete: 'Template deleted',
  rollback: 'Rollback',
  restore: 'Restore',
}

export const rowsWord = (n: number) => (n === 1 ? '1 row' : `${n} rows`)

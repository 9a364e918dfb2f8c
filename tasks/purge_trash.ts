import type { Task } from 'graphile-worker'
import { purgeExpiredTrash } from '../src/conversations/purge'
import type { Deps } from '../src/deps'

/** Hourly: delete for good the conversations whose 30 days in the trash are over, with their versions and review history (saved as a backup first). */
export default function purge_trash({ db, config, log }: Deps): Task {
  return async () => {
    const purged = await purgeExpiredTrash(db, config.backupDir)
    if (purged) log.info({ purged }, 'conversations past their restore window deleted for good')
  }
}

import type { Task } from 'graphile-worker'
import { expireBackups, removeStrayFiles } from '../src/backups/queries'
import type { Deps } from '../src/deps'

/** Hourly: expire backups past their retention (files deleted, restore answers 410) and remove files no backup owns. */
export default function expire_backups({ db, config, log }: Deps): Task {
  return async () => {
    const expired = await expireBackups(db, config.backupDir)
    const stray = await removeStrayFiles(db, config.backupDir)
    if (expired || stray) log.info({ expired, stray }, 'expired backups and stray backup files removed')
  }
}

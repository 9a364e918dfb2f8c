import type { Task } from 'graphile-worker'
import type { Deps } from '../src/deps'
import { expireExports } from '../src/exports/retention'

/** Every few minutes: delete export files past their retention (EXPORT_RETENTION_HOURS) and mark the rows expired. */
export default function expire_exports({ db, log }: Deps): Task {
  return async () => {
    const expired = await expireExports(db)
    if (expired) log.info({ expired }, 'expired export files removed')
  }
}

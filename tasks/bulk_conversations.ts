import type { Task } from 'graphile-worker'
import { applyBulk, BulkJobPayload } from '../src/conversations/bulk'
import type { Deps } from '../src/deps'

/** A dashboard bulk action on a large set, in one transaction, off the request path. */
export default function bulk_conversations({ db, config, log }: Deps): Task {
  return async (payload) => {
    const { action, filter, ids, userId } = BulkJobPayload.parse(payload)
    const changed = await applyBulk(db, { filter, ids }, action, { userId, backupDir: config.backupDir })
    log.info({ action, changed, user: userId }, 'bulk action done')
  }
}

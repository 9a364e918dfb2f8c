import type { Task } from 'graphile-worker'
import type { Deps } from '../src/deps'
import { deleteOldErrors } from '../src/error-log/queries'
import { readRetention } from '../src/settings/retention'

/** Hourly: delete the error log's entries older than the retention setting (30 days unless changed), in batches. */
export default function clean_error_log({ db, log }: Deps): Task {
  return async () => {
    const deleted = await deleteOldErrors(db, (await readRetention(db)).error_log_days)
    if (deleted) log.info({ deleted }, 'error log entries past their retention deleted')
  }
}

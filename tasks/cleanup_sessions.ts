import type { Task } from 'graphile-worker'
import { deleteExpiredSessions } from '../src/auth/sessions'
import { deleteStaleThrottles } from '../src/auth/throttle'
import type { Deps } from '../src/deps'
import { deleteOldDrafts } from '../src/drafts/drafts'

/** Hourly: forget expired sessions, login-throttle rows whose window and lock have passed, and drafts untouched for 30 days. */
export default function cleanup_sessions({ db, log }: Deps): Task {
  return async () => {
    const sessions = await deleteExpiredSessions(db)
    const throttles = await deleteStaleThrottles(db)
    const drafts = await deleteOldDrafts(db)
    if (sessions || throttles || drafts) log.info({ sessions, throttles, drafts }, 'expired sessions, throttles and drafts removed')
  }
}

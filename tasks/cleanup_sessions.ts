import type { Task } from 'graphile-worker'
import { deleteExpiredSessions } from '../src/auth/sessions'
import { deleteStaleThrottles } from '../src/auth/throttle'
import type { Deps } from '../src/deps'

/** Hourly: forget expired sessions and login-throttle rows whose window and lock have passed. */
export default function cleanup_sessions({ db, log }: Deps): Task {
  return async () => {
    const sessions = await deleteExpiredSessions(db)
    const throttles = await deleteStaleThrottles(db)
    if (sessions || throttles) log.info({ sessions, throttles }, 'expired sessions and throttles removed')
  }
}

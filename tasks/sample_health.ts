import type { Task } from 'graphile-worker'
import type { Deps } from '../src/deps'
import { takeHealthSample } from '../src/health/samples'
import { notifyReviewNeeded } from '../src/notifications/notify'

/**
 * Every minute: a sample of the health figures for the charts (samples older than a week go), and
 * the reviewers whose threshold the review queue passed are told.
 */
export default function sample_health({ db }: Deps): Task {
  return async () => {
    await takeHealthSample(db)
    await notifyReviewNeeded(db)
  }
}

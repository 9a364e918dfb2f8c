import type { Task } from 'graphile-worker'
import type { Deps } from '../src/deps'
import { RetryJobPayload, retryChunk } from '../src/recovery/failed-groups'

/** "Retry all in this group" from Recovery: one chunk of the group's failed conversations per job, the next chunk queued by this one. */
export default function retry_failed({ db, log }: Deps): Task {
  return async (payload) => {
    const job = RetryJobPayload.parse(payload)
    const requeued = await retryChunk(db, job)
    log.info({ code: job.code, batch: job.batchId, requeued, user: job.userId }, 'failed conversations queued again')
  }
}

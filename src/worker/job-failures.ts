import type { Job } from 'graphile-worker'
import type { Deps } from '../deps'
import { recordError } from '../error-log/record'

/** The ids a job's payload names (conversationId → conversation_id…), for the error log's context. */
export function payloadIds(payload: unknown): Record<string, string> {
  if (payload === null || typeof payload !== 'object') return {}
  const ids: Record<string, string> = {}
  for (const [key, value] of Object.entries(payload)) {
    if (key.endsWith('Id') && typeof value === 'string') ids[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value
  }
  return ids
}

/** A job graphile-worker gave up on (its last attempt failed): to the error log, with what it was for. */
export async function recordJobFailure({ db, log }: Pick<Deps, 'db' | 'log'>, job: Job, error: unknown): Promise<string> {
  return recordError(db, log, {
    code: 'job_failed',
    message: `The ${job.task_identifier} job failed for good after ${job.attempts} attempt(s): ${error instanceof Error ? error.message : String(error)}`,
    stack: error instanceof Error ? error.stack : undefined,
    context: { job_id: job.id, task: job.task_identifier, attempts: job.attempts, ...payloadIds(job.payload) },
  })
}

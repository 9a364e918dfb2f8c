import type { Task } from 'graphile-worker'
import { z } from 'zod'
import { createClaude } from '../src/claude/client'
import type { Deps } from '../src/deps'
import { fallBackToOrdinaryCalls, runMessageBatch } from '../src/generation/message-batches'

const Payload = z.object({ batchId: z.uuid(), poll: z.number().int().min(0).default(0) })

/**
 * A batch sent through the Message Batches API: submits it, then runs again (a new job with the
 * same key) to poll until the results are in and stored. See src/generation/message-batches.ts.
 * Failures are retried with the queue's backoff; when the last attempt fails, the batch's waiting
 * conversations fall back to ordinary calls.
 */
export default function message_batch({ db, config, log }: Deps): Task {
  const claude = createClaude({ apiKey: config.anthropicApiKey, baseURL: config.anthropicBaseUrl })
  return async (payload, helpers) => {
    const { batchId, poll } = Payload.parse(payload)
    const deps = { db, log, claude }
    try {
      await runMessageBatch(deps, batchId, poll)
    } catch (err) {
      if (helpers.job.attempts >= helpers.job.max_attempts) {
        await fallBackToOrdinaryCalls(deps, batchId, err instanceof Error ? err.message : String(err))
      }
      throw err
    }
  }
}

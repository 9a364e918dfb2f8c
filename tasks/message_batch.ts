import type { Task } from 'graphile-worker'
import { z } from 'zod'
import { createClaude } from '../src/claude/client'
import type { Deps } from '../src/http/env'
import { runMessageBatch } from '../src/generation/message-batches'

const Payload = z.object({ batchId: z.uuid(), poll: z.number().int().min(0).default(0) })

/**
 * A batch sent through the Message Batches API: submits it, then runs again (a new job with the
 * same key) to poll until the results are in and stored. See src/generation/message-batches.ts.
 */
export default function message_batch({ db, config, log }: Deps): Task {
  const claude = createClaude({ apiKey: config.anthropicApiKey, baseURL: config.anthropicBaseUrl })
  return async (payload) => {
    const { batchId, poll } = Payload.parse(payload)
    await runMessageBatch({ db, log, claude }, batchId, poll)
  }
}

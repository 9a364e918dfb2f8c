import type { Task } from 'graphile-worker'
import { z } from 'zod'
import type { Deps } from '../src/deps'
import { generateConversation } from '../src/generation/generate'
import { taskClaude } from '../src/worker/task-claude'

const Payload = z.object({ conversationId: z.uuid() })

/**
 * One conversation of a batch (or a single generation): see src/generation/generate.ts. Claude's
 * transient errors are rescheduled there (honouring retry-after); anything else throws and the
 * queue retries with backoff. Safe to run twice.
 */
export default function generate_conversation({ db, config, log }: Deps): Task {
  const claude = taskClaude(config)
  return async (payload, helpers) => {
    const { conversationId } = Payload.parse(payload)
    await generateConversation({ db, log, claude }, conversationId, {
      attempts: helpers.job.attempts,
      maxAttempts: helpers.job.max_attempts,
      signal: helpers.abortSignal,
    })
  }
}

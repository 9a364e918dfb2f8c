import type { Task } from 'graphile-worker'
import { z } from 'zod'
import { createClaude } from '../src/claude/client'
import { judgeConversation } from '../src/generation/grounding-judge'
import type { Deps } from '../src/deps'

const Payload = z.object({ conversationId: z.uuid() })

/** The optional Claude judge of one grounded conversation: see src/generation/grounding-judge.ts. Safe to run twice. */
export default function judge_grounding({ db, config, log }: Deps): Task {
  // Retries are the queue's, not the SDK's, so a retry never holds a rate-limit lease.
  const claude = createClaude({ apiKey: config.anthropicApiKey, baseURL: config.anthropicBaseUrl, maxRetries: 0 })
  return async (payload) => {
    const { conversationId } = Payload.parse(payload)
    await judgeConversation({ db, claude, log }, conversationId)
  }
}

import type { Task } from 'graphile-worker'
import { z } from 'zod'
import type { Deps } from '../src/deps'
import { judgeConversation } from '../src/generation/grounding-judge'
import { taskClaude } from '../src/worker/task-claude'

const Payload = z.object({ conversationId: z.uuid() })

/** The optional Claude judge of one grounded conversation: see src/generation/grounding-judge.ts. Safe to run twice. */
export default function judge_grounding({ db, config, log }: Deps): Task {
  const claude = taskClaude(config)
  return async (payload) => {
    const { conversationId } = Payload.parse(payload)
    await judgeConversation({ db, claude, log }, conversationId)
  }
}

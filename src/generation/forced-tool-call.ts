import os from 'node:os'
import type { Kysely } from 'kysely'
import type { z } from 'zod'
import { type Claude, type ClaudeMessage, type ClaudeMessageParams, classifyClaudeError } from '../claude/client'
import type { DB } from '../db/schema'
import { activeAiSettings } from './ai-settings'
import { acquireClaudeSlot, leaseHolder, releaseClaudeSlot } from './rate-limit'

/** Named like generation's, so the heartbeat sweep frees this process's places if it dies mid-call. */
const HOLDER = leaseHolder({ hostname: os.hostname(), pid: process.pid })

/** Why a call gave no usable answer; thrown, so the queue retries it with backoff. */
export class ToolCallFailed extends Error {
  override name = 'ToolCallFailed'
}

export type ForcedToolCall<T extends z.ZodType> = {
  /** Cached across calls: the instructions every call of this kind shares. */
  system: string
  content: ClaudeMessageParams['messages'][number]['content']
  tool: NonNullable<ClaudeMessageParams['tools']>[number] & { name: string }
  maxTokens: number
  /** What the answer is, for the error message ("dimension analysis"). */
  what: string
  schema: T
}

/**
 * One Claude call that must answer through a single tool (chunk analysis, the grounding judge),
 * made at the active settings under the shared rate limiter, its tool input checked with the schema.
 */
export async function forcedToolCall<T extends z.ZodType>(deps: { db: Kysely<DB>; claude: Claude }, call: ForcedToolCall<T>): Promise<z.infer<T>> {
  const settings = await activeAiSettings(deps.db)
  const lease = await acquireClaudeSlot(deps.db, settings, HOLDER)
  let message: ClaudeMessage
  try {
    message = await deps.claude.createMessage(
      {
        model: settings.model,
        max_tokens: call.maxTokens,
        system: [{ type: 'text', text: call.system, cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: call.content }],
        tools: [call.tool],
        tool_choice: { type: 'tool', name: call.tool.name },
      },
      { timeout: settings.timeout_ms },
    )
  } catch (err) {
    const failure = classifyClaudeError(err)
    throw new ToolCallFailed(`${failure.message} (${failure.code})`)
  } finally {
    await releaseClaudeSlot(deps.db, lease)
  }
  const used = message.content.find((block) => block.type === 'tool_use' && block.name === call.tool.name)
  const parsed = used?.type === 'tool_use' ? call.schema.safeParse(used.input) : undefined
  if (!parsed?.success) {
    const problem = parsed
      ? parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')
      : `no ${call.tool.name} call`
    throw new ToolCallFailed(`Claude's ${call.what} was invalid (${problem}).`)
  }
  return parsed.data
}

import { type Claude, createClaude } from '../claude/client'
import type { Config } from '../config'

/**
 * The Claude client of a task that makes one call per job: retries are the queue's (a rescheduled
 * or retried job), not the SDK's, so a retry never holds a rate-limit lease while it waits.
 */
export function taskClaude(config: Config): Claude {
  return createClaude({ apiKey: config.anthropicApiKey, baseURL: config.anthropicBaseUrl, maxRetries: 0 })
}

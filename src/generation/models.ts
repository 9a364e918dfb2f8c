import { classifyClaudeError, createClaude } from '../claude/client'
import type { Config } from '../config'
import { ValidationFailed } from '../errors'
import { isSdkModel } from './cost'

/**
 * Which model ids generation may use: the ones the SDK names, or another id (a newer model, a
 * dated snapshot) once one small call to the Messages API with it has succeeded. The simulator
 * answers that call when there is no API key. A typo is refused here instead of failing every call.
 */

/** Refuses `model` with a 400 naming the field unless it is known or a test call with it succeeds. */
export async function checkModel(config: Config, model: string | undefined, alreadyInUse?: string): Promise<void> {
  if (!model || isSdkModel(model) || model === alreadyInUse) return
  const claude = createClaude({ apiKey: config.anthropicApiKey, baseURL: config.anthropicBaseUrl, maxRetries: 1, timeoutMs: 30_000 })
  try {
    await claude.createMessage({ model, max_tokens: 1, messages: [{ role: 'user', content: 'Reply with OK.' }] })
  } catch (err) {
    const failure = classifyClaudeError(err)
    const message = `"${model}" is not a model the SDK knows, and a test call with it failed: ${failure.message}`
    throw new ValidationFailed(message, { model: message })
  }
}

import { classifyClaudeError, createClaude } from '../claude/client'
import type { Config } from '../config'
import type { AiSettings } from '../generation/ai-settings'
import { costOf } from '../generation/cost'

export type ConfigurationTest = {
  ok: boolean
  model: string
  simulated: boolean
  latency_ms: number
  input_tokens: number
  output_tokens: number
  cost_usd: number
  error?: string
}

/**
 * "Test configuration": one small call with the active model and timeout (the simulator's when no
 * key is set), measured: how long it took, the tokens it used and what they cost. A failure is an
 * answer too (`ok: false` with Claude's reason), not an error of this request.
 */
export async function testConfiguration(config: Config, settings: AiSettings): Promise<ConfigurationTest> {
  const claude = createClaude({ apiKey: config.anthropicApiKey, baseURL: config.anthropicBaseUrl, maxRetries: 0, timeoutMs: settings.timeout_ms })
  const base = { model: settings.model, simulated: claude.simulated, input_tokens: 0, output_tokens: 0, cost_usd: 0 }
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  try {
    const message = await claude.createMessage({ model: settings.model, max_tokens: 16, messages: [{ role: 'user', content: 'Reply with OK.' }] })
    const usage = {
      input_tokens: message.usage.input_tokens,
      output_tokens: message.usage.output_tokens,
      cache_read_tokens: message.usage.cache_read_input_tokens ?? 0,
      cache_write_tokens: message.usage.cache_creation_input_tokens ?? 0,
    }
    return {
      ...base,
      ok: true,
      latency_ms: elapsed(),
      input_tokens: usage.input_tokens,
      output_tokens: usage.output_tokens,
      cost_usd: costOf(settings.model, usage),
    }
  } catch (err) {
    return { ...base, ok: false, latency_ms: elapsed(), error: classifyClaudeError(err).message }
  }
}

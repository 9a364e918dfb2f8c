import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk'
import { createSimulatorFetch } from './simulator-fetch'

/**
 * The only module that imports @anthropic-ai/sdk. Everything else talks to Claude through
 * `createClaude`, and reads failures through `classifyClaudeError`.
 */

/** The model ids the SDK names (its Model type without the open-ended `string`). */
export type ClaudeModelId = Anthropic.Model extends infer M ? (M extends string ? (string extends M ? never : M) : never) : never

/**
 * The SDK's named models, newest first, for the settings page to offer. Typed both ways, so an SDK
 * upgrade that adds or removes a model fails the type check until this list (and its prices) follow.
 */
export const CLAUDE_MODELS = [
  'claude-fable-5-2',
  'claude-mythos-5-2',
  'claude-opus-5-5',
  'claude-sonnet-5-5',
  'claude-haiku-5-5',
  'claude-fable-5-1',
  'claude-mythos-5-1',
  'claude-fable-5',
  'claude-mythos-5',
  'claude-opus-5',
  'claude-sonnet-5',
  'claude-opus-4-8',
  'claude-opus-4-7',
  'claude-mythos-preview',
  'claude-opus-4-6',
  'claude-sonnet-4-6',
  'claude-haiku-4-5',
  'claude-haiku-4-5-20251001',
  'claude-opus-4-5',
  'claude-opus-4-5-20251101',
  'claude-sonnet-4-5',
  'claude-sonnet-4-5-20250929',
] as const satisfies readonly ClaudeModelId[]
type Missing = Exclude<ClaudeModelId, (typeof CLAUDE_MODELS)[number]>
const everySdkModelListed: [Missing] extends [never] ? true : Missing = true
void everySdkModelListed

export type ClaudeMessage = Anthropic.Message
export type ClaudeMessageParams = Anthropic.MessageCreateParamsNonStreaming
export type ClaudeCountTokensParams = Anthropic.MessageCountTokensParams
export type ClaudeBatchRequest = Anthropic.Messages.BatchCreateParams.Request
export type ClaudeMessageBatch = Anthropic.Messages.MessageBatch
export type ClaudeBatchResult = Anthropic.Messages.MessageBatchIndividualResponse
/** Per-call options: `signal` to cancel, `timeout` to override, `headers` (null removes one). */
export type ClaudeCallOptions = Pick<Anthropic.RequestOptions, 'signal' | 'timeout' | 'headers'>

export type ClaudeOptions = {
  /** Without a key, calls go to the built-in simulator and nothing leaves the process. */
  apiKey?: string
  baseURL?: string
  timeoutMs?: number
  maxRetries?: number
}

export type Claude = {
  simulated: boolean
  createMessage(params: ClaudeMessageParams, options?: ClaudeCallOptions): Promise<ClaudeMessage>
  countTokens(params: ClaudeCountTokensParams, options?: ClaudeCallOptions): Promise<number>
  /** The Message Batches API: half price, answered within 24 hours; results are matched by custom_id. */
  createMessageBatch(requests: ClaudeBatchRequest[]): Promise<ClaudeMessageBatch>
  retrieveMessageBatch(id: string): Promise<ClaudeMessageBatch>
  messageBatchResults(id: string): Promise<AsyncIterable<ClaudeBatchResult>>
  cancelMessageBatch(id: string): Promise<ClaudeMessageBatch>
}

export function createClaude(opts: ClaudeOptions): Claude {
  const simulated = !opts.apiKey
  const client = new Anthropic({
    apiKey: opts.apiKey || 'simulator',
    // Always explicit, so the SDK never falls back to ANTHROPIC_BASE_URL behind the config's back.
    baseURL: simulated ? 'http://simulator.invalid' : (opts.baseURL ?? 'https://api.anthropic.com'),
    fetch: simulated ? createSimulatorFetch() : undefined,
    timeout: opts.timeoutMs,
    maxRetries: opts.maxRetries,
  })
  return {
    simulated,
    createMessage: (params, options) => client.messages.create(params, options),
    countTokens: async (params, options) => (await client.messages.countTokens(params, options)).input_tokens,
    createMessageBatch: (requests) => client.messages.batches.create({ requests }),
    retrieveMessageBatch: (id) => client.messages.batches.retrieve(id),
    messageBatchResults: (id) => client.messages.batches.results(id),
    cancelMessageBatch: (id) => client.messages.batches.cancel(id),
  }
}

export type ClaudeErrorCode = 'rate_limited' | 'overloaded' | 'server_error' | 'timeout' | 'connection' | 'aborted' | 'claude_bad_request' | 'auth' | 'unknown'

export type ClaudeFailure = { code: ClaudeErrorCode; message: string; retryable: boolean; retryAfterMs?: number }

/** Maps any error from a Claude call to a stable code, a sentence for people, and whether to retry. */
export function classifyClaudeError(err: unknown): ClaudeFailure {
  // Order matters: the timeout and abort errors are subclasses of the broader ones below.
  if (err instanceof APIConnectionTimeoutError) {
    return { code: 'timeout', message: 'Claude did not answer before the request timed out.', retryable: true }
  }
  if (err instanceof APIConnectionError) {
    return { code: 'connection', message: 'Could not connect to the Claude API.', retryable: true }
  }
  if (err instanceof APIUserAbortError) {
    return { code: 'aborted', message: 'The request to Claude was cancelled.', retryable: false }
  }
  if (err instanceof APIError && err.status !== undefined) {
    return classifyStatus(err.status, err.headers, err.apiMessage)
  }
  return { code: 'unknown', message: 'The call to Claude failed unexpectedly.', retryable: false }
}

function classifyStatus(status: number, headers: Headers | undefined, apiMessage: string | null): ClaudeFailure {
  if (status === 429) {
    const retryAfterMs = headers ? retryAfterMillis(headers) : undefined
    const wait = retryAfterMs === undefined ? '' : ` Try again in ${Math.ceil(retryAfterMs / 1000)} seconds.`
    return { code: 'rate_limited', message: `Claude's rate limit was reached.${wait}`, retryable: true, retryAfterMs }
  }
  if (status === 408) {
    return { code: 'timeout', message: 'Claude did not answer before the request timed out.', retryable: true }
  }
  if (status === 529) {
    return { code: 'overloaded', message: 'Claude is overloaded right now.', retryable: true }
  }
  if (status >= 500) {
    return { code: 'server_error', message: `The Claude API had an internal error (status ${status}).`, retryable: true }
  }
  if (status === 400) {
    return { code: 'claude_bad_request', message: withDetail('Claude rejected the request as invalid.', apiMessage), retryable: false }
  }
  if (status === 401 || status === 403) {
    return { code: 'auth', message: 'Claude refused the API key; check ANTHROPIC_API_KEY.', retryable: false }
  }
  return { code: 'unknown', message: withDetail(`The Claude API answered with status ${status}.`, apiMessage), retryable: false }
}

/** `retry-after-ms` when the API gives it (the SDK prefers it too), else `retry-after` in seconds or as a date. */
function retryAfterMillis(headers: Headers): number | undefined {
  const millis = Number.parseFloat(headers.get('retry-after-ms') ?? '')
  if (millis >= 0) return millis
  const value = headers.get('retry-after')
  if (!value) return undefined
  const seconds = Number.parseFloat(value)
  if (seconds >= 0) return seconds * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

/** The API's own explanation helps with 4xx errors; anything shaped like a key is scrubbed first. */
function withDetail(sentence: string, apiMessage: string | null): string {
  if (!apiMessage) return sentence
  const scrubbed = apiMessage.replace(/sk-ant-[\w-]+/g, '[redacted]').trim()
  return `${sentence} Claude said: ${scrubbed.endsWith('.') ? scrubbed : `${scrubbed}.`}`
}

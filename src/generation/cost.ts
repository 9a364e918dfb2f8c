import { countTokens } from '../chunks/tokens'
import { CLAUDE_MODELS, type ClaudeModelId } from '../claude/client'
import type { PriceOverrides } from '../db/schema'

/**
 * What Claude calls cost: list prices per model, a token estimate from text, and the estimate a
 * batch shows before it starts. Prices are US dollars per million tokens.
 */

export type ModelPrice = { input: number; output: number; cacheWrite: number; cacheRead: number; minCacheable: number }

// Cache writes (5-minute TTL) cost 1.25× input, cache reads 0.1× unless a model says otherwise. A
// prompt prefix shorter than minCacheable tokens is not cached at all.
const price = (input: number, output: number, minCacheable = 1024, cacheRead = input * 0.1): ModelPrice => ({
  input,
  output,
  cacheWrite: input * 1.25,
  cacheRead,
  minCacheable,
})

/**
 * List prices of the models the SDK names (Anthropic's pricing page): every one is priced, or the
 * type check fails. Haiku 5.5 is listed "from" its lowest price.
 */
export const SDK_MODEL_PRICES = {
  'claude-fable-5-2': price(8, 40, 4096),
  'claude-mythos-5-2': price(8, 40, 4096),
  'claude-opus-5-5': price(4, 20, 4096),
  'claude-sonnet-5-5': price(2, 10, 2048),
  'claude-haiku-5-5': price(0.1, 0.5, 4096),
  'claude-fable-5-1': price(10, 50, 4096, 0.25),
  'claude-mythos-5-1': price(10, 50, 4096, 0.25),
  'claude-fable-5': price(10, 50, 4096),
  'claude-mythos-5': price(10, 50, 4096),
  'claude-opus-5': price(5, 25, 4096),
  'claude-sonnet-5': price(2, 10, 2048),
  'claude-opus-4-8': price(5, 25, 4096),
  'claude-opus-4-7': price(5, 25, 4096),
  'claude-mythos-preview': price(25, 125, 4096),
  'claude-opus-4-6': price(5, 25, 4096),
  'claude-sonnet-4-6': price(3, 15, 2048),
  'claude-haiku-4-5': price(1, 5, 4096),
  'claude-haiku-4-5-20251001': price(1, 5, 4096),
  'claude-opus-4-5': price(5, 25, 4096),
  'claude-opus-4-5-20251101': price(5, 25, 4096),
  'claude-sonnet-4-5': price(3, 15),
  'claude-sonnet-4-5-20250929': price(3, 15),
} satisfies Record<ClaudeModelId, ModelPrice>

/** The SDK's models and older ones that past conversations were made with, so their cost stays right. */
export const MODEL_PRICES: Record<string, ModelPrice> = {
  ...SDK_MODEL_PRICES,
  'claude-opus-4-1': price(15, 75),
  'claude-opus-4-0': price(15, 75),
  'claude-sonnet-4-0': price(3, 15),
  'claude-3-7-sonnet-latest': price(3, 15),
  'claude-3-5-haiku-latest': price(0.8, 4, 2048),
  'claude-3-haiku-20240307': price(0.25, 1.25, 2048),
}

export const KNOWN_MODELS = Object.keys(MODEL_PRICES)

/** The models the settings page offers, in the SDK's order (newest first), with their prices. */
export const MODEL_CHOICES = CLAUDE_MODELS.map((id) => ({ id, price: SDK_MODEL_PRICES[id] }))

/** Whether a model id is one the SDK names (offered on the settings page, accepted without a test call). */
export function isSdkModel(model: string): boolean {
  return Object.hasOwn(SDK_MODEL_PRICES, model)
}

/** The list price of a model id, matching dated ids (claude-sonnet-4-5-20250929) to their family. */
export function listPrice(model: string): ModelPrice {
  const exact = MODEL_PRICES[model]
  if (exact) return exact
  const family = KNOWN_MODELS.filter((name) => model.startsWith(name.replace(/-(latest|0)$/, ''))).sort((a, b) => b.length - a.length)[0]
  // An unknown model is priced like Sonnet, so an estimate is never silently zero.
  return MODEL_PRICES[family ?? 'claude-sonnet-4-5']!
}

/**
 * The active AI configuration's prices, as changed from the list by an admin: every cost and
 * estimate is priced through modelPrice, so the book is set where the active settings are read
 * (generation/ai-settings.ts, at most 2 s old, like every other setting a worker uses).
 */
let priceBook: { model: string; prices: PriceOverrides; batchDiscount: number } | undefined

export function useConfiguredPrices(model: string, prices: PriceOverrides, batchDiscount: number): void {
  priceBook = { model, prices, batchDiscount }
}

/** What a model costs here: its list price, with the active configuration's changes when it is that configuration's model. */
export function modelPrice(model: string): ModelPrice {
  const list = listPrice(model)
  if (priceBook?.model !== model) return list
  const p = priceBook.prices
  return {
    ...list,
    input: p.input ?? list.input,
    output: p.output ?? list.output,
    cacheWrite: p.cache_write ?? list.cacheWrite,
    cacheRead: p.cache_read ?? list.cacheRead,
  }
}

/** What the Message Batches API bills as a share of the standard price (the active configuration's, by default half). */
export function messageBatchDiscount(): number {
  return priceBook?.batchDiscount ?? MESSAGE_BATCH_DISCOUNT
}

export type Usage = { input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number }

/** The Message Batches API bills every token at half the standard price. */
export const MESSAGE_BATCH_DISCOUNT = 0.5
/** …and answers within 24 hours (most batches much sooner). */
export const MESSAGE_BATCH_WINDOW_S = 24 * 3600

/** Dollars for one call's real usage (input_tokens excludes cached tokens, as the API reports it). */
export function costOf(model: string, usage: Usage, discount = 1): number {
  const p = modelPrice(model)
  const dollars =
    usage.input_tokens * p.input + usage.output_tokens * p.output + usage.cache_write_tokens * p.cacheWrite + usage.cache_read_tokens * p.cacheRead
  return round6((dollars * discount) / 1_000_000)
}

/** About four characters a token for English prose; good enough to estimate before any call. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4))
}

/** A spoken turn is about 60 tokens; the tool call's JSON framing adds a little per turn and per call. */
const TOKENS_PER_TURN = 70
const TOKENS_PER_CALL = 40

export type EstimateInput = {
  model: string
  /**
   * The resolved prompts of each distinct item; every one is sent `countPerItem` times. A grounded
   * item also sends its chunk's source block, cached after the system prompt.
   */
  items: Array<{ system: string; prompt: string; source?: string | undefined }>
  countPerItem: number
  minTurns: number
  maxTurns: number
  /** The tool definition sent with every call (counted as input). */
  toolText: string
  requestsPerMinute: number
  maxConcurrency: number
  /** Through the Message Batches API: half the price, answered within a day instead of at the rate limit. */
  messageBatches?: boolean
  /** What the template's past conversations really used, per conversation: used instead of the guess once there are enough. */
  history?: TokenHistory
}

/** A template's generated conversations: how many, and their average tokens each, as billed. */
export type TokenHistory = { conversations: number; input: number; output: number; cacheRead: number; cacheWrite: number }
/** From this many past conversations on, an estimate uses their real token counts. */
export const CALIBRATION_MIN = 20

export type BatchEstimate = {
  calls: number
  input_tokens: number
  output_tokens: number
  cost_usd: number
  expected_seconds: number
  /** Grounded batches: the source blocks' tokens over every call, and the calls expected to read a chunk from the prompt cache. */
  chunk_tokens: number
  cache_reads: number
  /** The number of past conversations the tokens and cost are based on; null: guessed from the prompts' length. */
  calibrated_from: number | null
}

/**
 * Calls, tokens and dollars for a batch, and how long it should take at the configured rate. The
 * cached prefix (tools, system prompt and, when grounded, the chunk's source block) is written once
 * per distinct prefix and read by the calls after it, as the API's prompt caching bills it.
 */
export function estimateBatch(input: EstimateInput): BatchEstimate {
  const p = modelPrice(input.model)
  const toolTokens = estimateTokens(input.toolText)
  const outputPerCall = Math.round(((input.minTurns + input.maxTurns) / 2) * TOKENS_PER_TURN + TOKENS_PER_CALL)
  const calls = input.items.length * input.countPerItem
  let inputTokens = 0
  let dollars = 0
  const cachedPrefixes = new Set<string>()
  let chunkTokens = 0
  let cacheReads = 0
  const sourceTokens = new Map<string, number>()
  for (const item of input.items) {
    // The source block is counted the way chunks are sized (countTokens), once per distinct text.
    const source = item.source ? (sourceTokens.get(item.source) ?? countTokens(item.source)) : 0
    if (item.source) sourceTokens.set(item.source, source)
    chunkTokens += source * input.countPerItem
    const prefix = toolTokens + estimateTokens(item.system) + source
    const rest = estimateTokens(item.prompt)
    inputTokens += (prefix + rest) * input.countPerItem
    dollars += rest * p.input * input.countPerItem
    if (prefix < p.minCacheable) {
      dollars += prefix * p.input * input.countPerItem
      continue
    }
    // The first call with a prefix (tools, system, and the chunk if any) writes the cache, the rest read it.
    const key = `${item.system}\u0000${item.source ?? ''}`
    const written = cachedPrefixes.has(key) ? 0 : 1
    cachedPrefixes.add(key)
    if (item.source) cacheReads += input.countPerItem - written
    dollars += prefix * (p.cacheWrite * written + p.cacheRead * (input.countPerItem - written))
  }
  let outputTokens = outputPerCall * calls
  dollars += outputTokens * p.output
  const history = input.history && input.history.conversations >= CALIBRATION_MIN ? input.history : undefined
  if (history) {
    // What conversations of this template really used (their cache reads and writes included) beats a guess from the text.
    inputTokens = Math.round(calls * (history.input + history.cacheRead + history.cacheWrite))
    outputTokens = Math.round(calls * history.output)
    dollars = calls * (history.input * p.input + history.output * p.output + history.cacheRead * p.cacheRead + history.cacheWrite * p.cacheWrite)
  }
  if (input.messageBatches) dollars *= messageBatchDiscount()
  // Paced by the rate limit, or by how many calls may run at once (a call takes a couple of seconds
  // plus its output at roughly 100 tokens a second), whichever is slower.
  const secondsPerCall = 2 + (history?.output ?? outputPerCall) / 100
  const byRate = (calls * 60) / Math.max(1, input.requestsPerMinute)
  const byConcurrency = (calls * secondsPerCall) / Math.max(1, input.maxConcurrency)
  return {
    calls,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cost_usd: round6(dollars / 1_000_000),
    expected_seconds: input.messageBatches ? MESSAGE_BATCH_WINDOW_S : Math.ceil(Math.max(byRate, byConcurrency)),
    chunk_tokens: chunkTokens,
    cache_reads: cacheReads,
    calibrated_from: history?.conversations ?? null,
  }
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6
}

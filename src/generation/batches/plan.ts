import type { Kysely } from 'kysely'
import { conversationTool } from '../../claude/conversation-tool'
import type { Config } from '../../config'
import type { DB } from '../../db/schema'
import { ValidationFailed } from '../../errors'
import { activeAiSettings } from '../ai-settings'
import { type BatchEstimate, estimateBatch } from '../cost'
import { sourceBlockText } from '../grounding'
import { type BatchRequest, type GenerationRequest, type ResolvedGeneration, resolveGeneration } from '../inputs'
import { checkModel } from '../models'
import { templateTokenHistory } from '../token-history'

/** Planning a batch: what it will make and cost, checked against the active settings, before anything is stored. */

export type BatchPlan = { request: BatchRequest; resolved: ResolvedGeneration; estimate: BatchEstimate }

/**
 * Resolves the request's template and items, checks its model, and estimates what the batch will
 * cost and how many conversations it makes, refused when over the configured maximum.
 */
export async function planBatch(db: Kysely<DB>, config: Config, request: BatchRequest): Promise<BatchPlan> {
  const settings = await activeAiSettings(db)
  const resolved = await resolveGeneration(db, request)
  await checkModel(config, request.model, settings.model)
  const countPerItem = request.count_per_item
  const calls = resolved.items.length * countPerItem
  if (countPerItem < 1) throw new ValidationFailed('The count per item must be at least 1.', { count_per_item: 'Must be at least 1' })
  if (calls > settings.max_batch_size) {
    const message = `${resolved.items.length} item(s) × ${countPerItem} would make ${calls} conversations; the maximum per batch is ${settings.max_batch_size}.`
    throw new ValidationFailed(message, { count_per_item: message })
  }
  const estimate = estimateBatch({
    history: await templateTokenHistory(db, request.template_id),
    model: request.model ?? settings.model,
    items: resolved.items.map((item) => ({
      system: item.system_prompt,
      prompt: item.prompt,
      source: item.chunk_context ? sourceBlockText(item.chunk_context) : undefined,
    })),
    countPerItem,
    minTurns: resolved.snapshot.min_turns,
    maxTurns: resolved.snapshot.max_turns,
    toolText: JSON.stringify(conversationTool),
    requestsPerMinute: settings.requests_per_minute,
    maxConcurrency: settings.max_concurrency,
    messageBatches: request.message_batches,
  })
  return { request, resolved, estimate }
}

/** The generation settings a batch keeps for its conversations: the request's model and max tokens, when given. */
export type BatchSettings = { model?: string; max_tokens?: number }

export function batchSettingsOf(request: GenerationRequest): BatchSettings {
  const settings: BatchSettings = {}
  if (request.model) settings.model = request.model
  if (request.max_tokens !== undefined) settings.max_tokens = request.max_tokens
  return settings
}

import { sql } from 'kysely'
import { type ClaudeBatchResult, type ClaudeMessageBatch, classifyClaudeError } from '../claude/client'
import type { ErrorCode } from '../error-codes'
import { type AiSettings, activeAiSettings } from './ai-settings'
import { type Claimed, checkBatchFinished, claim, claimedOfBatch, requeue } from './claims'
import { costOf, messageBatchDiscount, type Usage } from './cost'
import { checkOutput, type GenerationDeps, messageParams, modelOf, saveGenerated, turnRange } from './generate'
import { addMessageBatchJob } from './jobs'

/**
 * A batch through the Anthropic Message Batches API (half price, answered within 24 hours), as
 * the message_batch task runs it: submit every queued conversation as one API batch (custom_id =
 * the conversation's id), poll with a growing interval, then store each result as an ordinary
 * call's would be stored, at half the cost. A request the API did not answer, or answered with
 * invalid output, falls back to an ordinary generate_conversation job, so nothing is lost. Safe to
 * run twice: submitting is skipped once the API's id is recorded, and results are fenced by claim.
 */

export type MessageBatchStep = 'submitted' | 'waiting' | 'collected' | 'cancelled' | 'nothing'

/** The first poll comes after 2 s, then the interval doubles up to a minute. */
export function pollDelayMs(poll: number): number {
  return Math.min(60_000, 2_000 * 2 ** poll)
}

/** A conversation the Message Batches API did not deliver goes to an ordinary generate_conversation job now. */
function toOrdinaryCall(deps: GenerationDeps, claimed: Claimed, settings: AiSettings, code: ErrorCode, message: string): Promise<void> {
  // The retry budget starts again: the time spent waiting for the Message Batch is not the call's.
  return requeue(deps.db, claimed, { code, message }, new Date(), settings.max_retries + 1, { restartBudget: true })
}

/** Results are saved this many at a time, so their statements group. */
const SAVE_CONCURRENCY = 128

export async function runMessageBatch(deps: GenerationDeps, batchId: string, poll: number): Promise<MessageBatchStep> {
  const { db, claude, log } = deps
  const batch = await db.selectFrom('batches').select(['status', 'message_batch_id']).where('id', '=', batchId).executeTakeFirst()
  if (!batch || batch.status === 'done') return 'nothing'
  if (batch.status === 'cancelled') {
    // Stop the API's work (and its bill); an API batch that has ended already refuses, which is fine.
    if (batch.message_batch_id) await claude.cancelMessageBatch(batch.message_batch_id).catch(() => undefined)
    return 'cancelled'
  }
  const apiBatch = batch.message_batch_id ? await claude.retrieveMessageBatch(batch.message_batch_id) : await submit(deps, batchId)
  if (!apiBatch) return 'nothing'
  if (apiBatch.processing_status !== 'ended') {
    await addMessageBatchJob(db, batchId, poll + 1, new Date(Date.now() + pollDelayMs(poll)))
    return batch.message_batch_id ? 'waiting' : 'submitted'
  }
  const saved = await collect(deps, batchId, apiBatch)
  log.info({ batchId, messageBatchId: apiBatch.id, saved }, 'Message Batch results stored')
  return 'collected'
}

/**
 * Claims the batch's queued conversations and sends them as one API batch; returns it, or null when
 * there was nothing to send or the API refused it. An API batch that ended at once (the simulator)
 * is collected in the same run, so simulated batches never depend on which process polls.
 */
async function submit(deps: GenerationDeps, batchId: string): Promise<ClaudeMessageBatch | null> {
  const { db, claude, log } = deps
  const queued = await db.selectFrom('conversations').select('id').where('batch_id', '=', batchId).where('status', '=', 'queued').execute()
  const claimed = (await Promise.all(queued.map((c) => claim(db, c.id)))).filter((c): c is Claimed => c !== undefined)
  if (claimed.length === 0) {
    await checkBatchFinished(db, batchId)
    return null
  }
  const settings = await activeAiSettings(db)
  let apiBatch: ClaudeMessageBatch
  try {
    apiBatch = await claude.createMessageBatch(claimed.map((c) => ({ custom_id: c.id, params: messageParams(c, settings) })))
  } catch (err) {
    const failure = classifyClaudeError(err)
    // A passing outage: the queue tries the submission again with backoff (the claims are taken again).
    if (failure.retryable) throw err
    // Refused outright: each conversation goes the ordinary way and meets the error there, or not.
    log.warn({ batchId, code: failure.code }, 'Message Batches API refused the batch; falling back to ordinary calls')
    await Promise.all(claimed.map((c) => toOrdinaryCall(deps, c, settings, failure.code, `The Message Batches API refused the batch: ${failure.message}`)))
    return null
  }
  await db.updateTable('batches').set({ message_batch_id: apiBatch.id, updated_at: sql`now()` }).where('id', '=', batchId).execute()
  log.info({ batchId, messageBatchId: apiBatch.id, requests: claimed.length }, 'batch submitted to the Message Batches API')
  return apiBatch
}

/**
 * When the job gives up (the API unreachable for hours): the batch's waiting conversations go the
 * ordinary way rather than stay "generating" for ever, and the API batch is cancelled if it can be.
 */
export async function fallBackToOrdinaryCalls(deps: GenerationDeps, batchId: string, reason: string): Promise<void> {
  const { db, claude } = deps
  const settings = await activeAiSettings(db)
  const batch = await db.selectFrom('batches').select('message_batch_id').where('id', '=', batchId).executeTakeFirst()
  if (batch?.message_batch_id) await claude.cancelMessageBatch(batch.message_batch_id).catch(() => undefined)
  const waiting = await claimedOfBatch(db, batchId)
  await Promise.all(waiting.map((c) => toOrdinaryCall(deps, c, settings, 'message_batch_failed', `The Message Batches API could not be used: ${reason}`)))
}

async function collect(deps: GenerationDeps, batchId: string, apiBatch: ClaudeMessageBatch): Promise<number> {
  const { db, claude } = deps
  const settings = await activeAiSettings(db)
  const waiting = new Map((await claimedOfBatch(db, batchId)).map((c) => [c.id, c]))
  const generationMs = Date.parse(apiBatch.ended_at ?? new Date().toISOString()) - Date.parse(apiBatch.created_at)
  let saved = 0
  let pending: Array<Promise<unknown>> = []
  const handle = async (claimed: Claimed, item: ClaudeBatchResult | undefined) => {
    const result = item?.result
    if (result?.type === 'succeeded') {
      const { minTurns, maxTurns } = turnRange(claimed)
      const checked = checkOutput(result.message, minTurns, maxTurns)
      if (checked.ok) {
        const model = modelOf(claimed, settings)
        const usage: Usage = {
          input_tokens: result.message.usage.input_tokens,
          output_tokens: result.message.usage.output_tokens,
          cache_read_tokens: result.message.usage.cache_read_input_tokens ?? 0,
          cache_write_tokens: result.message.usage.cache_creation_input_tokens ?? 0,
        }
        const spent = {
          model: result.message.model || model,
          usage,
          cost: costOf(model, usage, messageBatchDiscount()),
          generationMs,
          simulated: claude.simulated,
          leaseId: null,
        }
        if (await saveGenerated(db, claimed, checked, spent)) saved++
        return
      }
      return toOrdinaryCall(deps, claimed, settings, 'invalid_output', `The Message Batches API's answer was invalid: ${checked.problem}.`)
    }
    const why =
      result?.type === 'errored'
        ? `The Message Batches API could not answer it (${result.error.error.type}: ${result.error.error.message}).`
        : result?.type === 'expired'
          ? 'The Message Batches API did not answer it within 24 hours.'
          : result?.type === 'canceled'
            ? 'Its Message Batch was cancelled.'
            : 'The Message Batches API returned no result for it.'
    await toOrdinaryCall(deps, claimed, settings, `message_batch_${result?.type ?? 'missing'}`, why)
  }
  for await (const item of await claude.messageBatchResults(apiBatch.id)) {
    const claimed = waiting.get(item.custom_id)
    if (!claimed) continue // stored already (a second run), or no longer ours (cancelled)
    waiting.delete(item.custom_id)
    pending.push(handle(claimed, item))
    if (pending.length >= SAVE_CONCURRENCY) {
      await Promise.all(pending)
      pending = []
    }
  }
  for (const claimed of waiting.values()) pending.push(handle(claimed, undefined))
  await Promise.all(pending)
  await checkBatchFinished(db, batchId)
  return saved
}

import os from 'node:os'
import type { Kysely } from 'kysely'
import { type Claude, type ClaudeMessage, type ClaudeMessageParams, classifyClaudeError } from '../claude/client'
import { CONVERSATION_TOOL_NAME, ConversationOutput, conversationTool, conversationToolChoice } from '../claude/conversation-tool'
import type { DB, Turn } from '../db/schema'
import { ERROR_CODES } from '../error-codes'
import { recordError } from '../error-log/record'
import type { Logger } from '../log'
import { autoDecision } from '../review/auto'
import { activeReviewSettings } from '../review/settings'
import { hasPlaceholder } from '../templates/placeholders'
import { type AiSettings, activeAiSettings } from './ai-settings'
import { type Claimed, checkBatchFinished, claim, fail, handBackIfHalted, type Problem, requeue, skipUnclaimable, storeResult } from './claims'
import { costOf, type Usage } from './cost'
import { sourceBlockText } from './grounding'
import { scoreQuality } from './quality'
import { acquireClaudeSlot, leaseHolder, releaseClaudeSlot } from './rate-limit'
import { recentShingles, rememberResult } from './recent-results'

/**
 * One conversation's generation, as the generate_conversation task runs it: claim, wait for the
 * shared rate limiter, call Claude with the cached system prompt and the forced tool, validate,
 * score, store, and tell the batch page. Safe to run twice: a conversation is claimed with a
 * fencing number (its attempts), and only the holder of the latest claim may store a result
 * (the claim and store SQL is in claims.ts).
 */

/** How many times a call whose output is invalid is made again before the conversation fails. */
export const OUTPUT_TRIES = 3

export type GenerationDeps = { db: Kysely<DB>; log: Logger; claude: Claude }
/** The queue's view of the job; `signal` aborts when the worker stops. */
export type JobInfo = { attempts: number; maxAttempts: number; signal?: AbortSignal }
export type Outcome = 'generated' | 'failed' | 'rescheduled' | 'skipped'

const HOLDER = leaseHolder({ hostname: os.hostname(), pid: process.pid })
/** A claim that waited longer than this for its start slot checks that its batch still runs (a pause must stop calls, not only claims). */
const HALT_CHECK_AFTER_MS = 250

export async function generateConversation(deps: GenerationDeps, conversationId: string, job: JobInfo): Promise<Outcome> {
  const { db } = deps
  const settings = await activeAiSettings(db)
  const claimed = await claim(db, conversationId)
  if (!claimed) {
    await skipUnclaimable(db, conversationId)
    return 'skipped'
  }
  const started = performance.now()
  try {
    return await generateClaimed(deps, claimed, settings, started, job.signal)
  } catch (err) {
    if (job.signal?.aborted) {
      // The worker is stopping: not the conversation's fault; it goes back to the queue at once.
      await requeue(db, claimed, { code: 'interrupted', message: 'The worker stopped during generation.' }, new Date(), settings.max_retries + 1)
      return 'rescheduled'
    }
    // Not Claude's fault (a database error, a bug): the queue retries with backoff; on the last
    // attempt the conversation fails with what happened, so it never stays "generating" (the job's
    // failure goes to the error log as it gives up).
    if (job.attempts >= job.maxAttempts) {
      await fail(db, claimed, {
        code: 'internal_error',
        message: `Generation failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`,
        details: { job_attempts: job.attempts },
      })
    }
    throw err
  }
}

/** The model a claimed conversation is made with: its own (regeneration), its batch's, or the active setting. */
export function modelOf(claimed: Claimed, settings: AiSettings): string {
  return claimed.model ?? claimed.batch_settings?.model ?? settings.model
}

/**
 * The Messages API request for a claimed conversation: the system prompt marked for caching and the
 * conversation tool forced. A grounded one sends its chunk's source block first, marked for caching
 * too, so every call for that chunk reads the same cached prefix.
 */
export function messageParams(claimed: Claimed, settings: AiSettings, correction = ''): ClaudeMessageParams {
  const prompt = claimed.prompt + correction
  return {
    model: modelOf(claimed, settings),
    max_tokens: claimed.max_tokens ?? claimed.batch_settings?.max_tokens ?? settings.max_tokens,
    system: [{ type: 'text', text: claimed.system_prompt, cache_control: { type: 'ephemeral' } }],
    messages: [
      {
        role: 'user',
        content: claimed.chunk_context
          ? [
              { type: 'text', text: sourceBlockText(claimed.chunk_context), cache_control: { type: 'ephemeral' } },
              { type: 'text', text: prompt },
            ]
          : prompt,
      },
    ],
    tools: [conversationTool],
    tool_choice: conversationToolChoice,
  }
}

/** The template's turn range for a claimed conversation. */
export function turnRange(claimed: Claimed): { minTurns: number; maxTurns: number } {
  return { minTurns: claimed.snapshot?.min_turns ?? 2, maxTurns: claimed.snapshot?.max_turns ?? 100 }
}

async function generateClaimed(deps: GenerationDeps, claimed: Claimed, settings: AiSettings, started: number, signal?: AbortSignal): Promise<Outcome> {
  const { db, claude, log } = deps
  const { minTurns, maxTurns } = turnRange(claimed)
  const model = modelOf(claimed, settings)
  const usage: Usage = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 }
  let correction = ''
  let lease: string | null = null
  try {
    for (let attempt = 1; attempt <= OUTPUT_TRIES; attempt++) {
      if (!lease) {
        const asked = performance.now()
        lease = await acquireClaudeSlot(db, settings, HOLDER, signal)
        // It waited for its start slot (a low rate): the batch may have been paused or cancelled meanwhile.
        if (performance.now() - asked > HALT_CHECK_AFTER_MS && (await handBackIfHalted(db, claimed))) {
          await releaseClaudeSlot(db, lease)
          return 'skipped'
        }
      }
      let message: ClaudeMessage
      try {
        message = await claude.createMessage(messageParams(claimed, settings, correction), { timeout: settings.timeout_ms, signal })
      } catch (err) {
        if (signal?.aborted) throw err
        const failure = classifyClaudeError(err)
        await releaseClaudeSlot(db, lease)
        lease = null
        if (!failure.retryable) return await failLogged(deps, claimed, { code: failure.code, message: failure.message }, { model, usage })
        return await retryLater(deps, claimed, settings, failure, { model, usage })
      }
      addUsage(usage, message)
      if (message.stop_reason === 'refusal') {
        await releaseClaudeSlot(db, lease)
        lease = null
        const refused = { code: 'refused', message: 'Claude declined to write this conversation; change the prompt or the values before retrying.' } as const
        return await failLogged(deps, claimed, refused, { model, usage })
      }
      const checked = checkOutput(message, minTurns, maxTurns)
      if (checked.ok) {
        const saved = await saveGenerated(db, claimed, checked, {
          model: message.model || model,
          usage,
          cost: costOf(model, usage),
          generationMs: Math.round(performance.now() - started),
          simulated: claude.simulated,
          leaseId: lease,
        })
        lease = null // released by the same statement
        return saved ? 'generated' : 'skipped'
      }
      await releaseClaudeSlot(db, lease)
      lease = null
      log.info({ conversationId: claimed.id, problem: checked.problem, attempt }, 'Claude output rejected')
      correction = `\n\n(Your previous answer was rejected: ${checked.problem}. Follow the instructions exactly.)`
      if (attempt === OUTPUT_TRIES) {
        // Malformed output is the model's passing fault, not the conversation's: later, like a 529.
        const problem: Problem = {
          code: 'invalid_output',
          message: `Claude's output was invalid ${OUTPUT_TRIES} times in a row; the last problem: ${checked.problem}.`,
        }
        return await retryLater(deps, claimed, settings, problem, { model, usage })
      }
    }
    return 'failed'
  } finally {
    if (lease) await releaseClaudeSlot(db, lease).catch(() => undefined)
  }
}

/** The first backoff after a transient error; it doubles with each attempt up to RETRY_MAX_BACKOFF_MS. */
const RETRY_BASE_MS = 500
const RETRY_MAX_BACKOFF_MS = 60_000

/** When to try a conversation again after a transient error: Claude's retry-after, else exponential backoff with jitter. */
function retryDelayMs(attempts: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return retryAfterMs
  return Math.min(RETRY_MAX_BACKOFF_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1)) * (0.75 + Math.random() / 2)
}

/**
 * A transient problem (rate limit, overload, 5xx, timeout, invalid output): the conversation goes
 * back to the queue for a later attempt, as long as that attempt starts within the retry budget
 * counted from its first attempt; past the budget it fails with what happened.
 */
async function retryLater(
  deps: GenerationDeps,
  claimed: Claimed,
  settings: AiSettings,
  problem: Problem & { retryAfterMs?: number | undefined },
  spentOn: { model: string; usage: Usage },
): Promise<Outcome> {
  const delay = retryDelayMs(claimed.attempts, problem.retryAfterMs)
  const since = claimed.first_attempt_at ? new Date(claimed.first_attempt_at).getTime() : Date.now()
  const budgetMs = settings.retry_budget_minutes * 60_000
  if (Date.now() + delay - since > budgetMs) {
    const minutes = Math.round((Date.now() - since) / 60_000)
    const gaveUp = `Gave up after ${claimed.attempts} attempt(s) over ${minutes} minute(s): the retry budget is ${settings.retry_budget_minutes} minute(s).`
    const message = `${problem.message} ${gaveUp}`
    // The conversation keeps the cause's code (Recovery groups by it); the log says why it stopped.
    const reference = await recordError(deps.db, deps.log, {
      code: 'retry_budget_exhausted',
      message,
      context: { conversation_id: claimed.id, batch_id: claimed.batch_id, cause: problem.code, attempts: claimed.attempts },
    })
    const details = { reference, retry_budget_exhausted: true, retry_budget_minutes: settings.retry_budget_minutes, minutes }
    return fail(deps.db, claimed, { code: problem.code, message, details }, spentOn)
  }
  await requeue(deps.db, claimed, { code: problem.code, message: problem.message }, new Date(Date.now() + delay), settings.max_retries + 1)
  deps.log.info({ conversationId: claimed.id, code: problem.code, retryInMs: Math.round(delay) }, 'transient problem; rescheduled')
  return 'rescheduled'
}

/**
 * A failure for good: one whose code is an error (not a warning such as a refusal) goes to the
 * error log too, and the conversation keeps the reference.
 */
async function failLogged(deps: GenerationDeps, claimed: Claimed, problem: Problem, spentOn: { model: string; usage: Usage }): Promise<'failed'> {
  const severity = ERROR_CODES[problem.code].severity
  if (severity !== 'error' && severity !== 'critical') return fail(deps.db, claimed, problem, spentOn)
  const reference = await recordError(deps.db, deps.log, {
    code: problem.code,
    message: problem.message,
    context: { conversation_id: claimed.id, batch_id: claimed.batch_id, attempts: claimed.attempts },
  })
  return fail(deps.db, claimed, { ...problem, details: { ...problem.details, reference } }, spentOn)
}

type Checked = { ok: true; title: string; turns: Turn[]; trimmedFrom?: number } | { ok: false; problem: string }

/**
 * The forced tool call, validated: schema and alternation, turn count in range, nothing left
 * unresolved. Too many turns are not worth another call: the longest prefix within the range that
 * ends with the assistant is kept, and `trimmedFrom` says how many there were.
 */
export function checkOutput(message: ClaudeMessage, minTurns: number, maxTurns: number): Checked {
  const call = message.content.find((block) => block.type === 'tool_use' && block.name === CONVERSATION_TOOL_NAME)
  if (call?.type !== 'tool_use') return { ok: false, problem: 'the answer did not use the record_conversation tool' }
  const parsed = ConversationOutput.safeParse(call.input)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    return { ok: false, problem: `${first?.path.join('.') || 'output'}: ${first?.message ?? 'invalid'}` }
  }
  const { title } = parsed.data
  let turns = parsed.data.turns
  let trimmedFrom: number | undefined
  if (turns.length > maxTurns) {
    // Turns alternate from the user, so the assistant speaks at every even length.
    const kept = maxTurns - (maxTurns % 2)
    if (kept >= minTurns && kept >= 2) {
      trimmedFrom = turns.length
      turns = turns.slice(0, kept)
    }
  }
  if (turns.length < minTurns || turns.length > maxTurns) {
    return { ok: false, problem: `it has ${turns.length} turns, but the template asks for ${minTurns} to ${maxTurns}` }
  }
  if (hasPlaceholder(title) || turns.some((turn) => hasPlaceholder(turn.content))) {
    return { ok: false, problem: 'it contains an unresolved {{placeholder}}' }
  }
  return trimmedFrom === undefined ? { ok: true, title, turns } : { ok: true, title, turns, trimmedFrom }
}

function addUsage(usage: Usage, message: ClaudeMessage): void {
  usage.input_tokens += message.usage.input_tokens
  usage.output_tokens += message.usage.output_tokens
  usage.cache_read_tokens += message.usage.cache_read_input_tokens ?? 0
  usage.cache_write_tokens += message.usage.cache_creation_input_tokens ?? 0
}

type Spent = { model: string; usage: Usage; cost: number; generationMs: number; simulated: boolean; leaseId: string | null }

/**
 * A valid result: scored against its batch's latest results, then turns, usage, score, a new
 * version, the optional auto-review decision with its review action, and the lease's release in
 * one statement (grouped with the results that gathered meanwhile), so a result is never seen
 * without its decision; then the batch check. The row is fenced by its claim (status and
 * attempts), so a result from a superseded attempt is dropped: false. The batch's totals are the
 * sums of its conversations (written to the batch row when it finishes), so concurrent results
 * never queue up on the one batch row.
 */
export async function saveGenerated(
  db: Kysely<DB>,
  claimed: Claimed,
  output: { title: string; turns: Turn[]; trimmedFrom?: number },
  spent: Spent,
): Promise<boolean> {
  const { minTurns, maxTurns } = turnRange(claimed)
  const others = claimed.batch_id ? await recentShingles(db, claimed.batch_id, claimed.id) : []
  const source = claimed.chunk_context ? { context: claimed.chunk_context, dimensions: claimed.dimension_source } : undefined
  const quality = scoreQuality({ turns: output.turns, minTurns, maxTurns, others, ...(source ? { source } : {}) })
  // The optional auto-approve/auto-reject thresholds (off by default) decide as it is stored.
  const decision = autoDecision(await activeReviewSettings(db), quality.score)
  const saved = await storeResult(db, {
    id: claimed.id,
    attempts: claimed.attempts,
    started_at: claimed.claimed_at,
    lease_id: spent.leaseId,
    source: claimed.has_versions ? 'regenerated' : 'generated',
    title: output.title,
    turns: output.turns,
    turn_count: output.turns.length,
    trimmed_from_turns: output.trimmedFrom ?? null,
    model: spent.model,
    input_tokens: spent.usage.input_tokens,
    output_tokens: spent.usage.output_tokens,
    cache_read_tokens: spent.usage.cache_read_tokens,
    cache_write_tokens: spent.usage.cache_write_tokens,
    cost_usd: spent.cost,
    generation_ms: spent.generationMs,
    simulated: spent.simulated,
    quality_score: quality.score,
    quality_parts: quality.parts,
    flagged: quality.score < (claimed.snapshot?.quality_threshold ?? 0),
    status: decision?.to ?? 'pending_review',
    auto_action: decision?.action ?? null,
    auto_comment: decision?.comment ?? null,
  })
  if (!saved) return false
  if (claimed.batch_id) rememberResult(claimed.batch_id, claimed.id, quality.shingles)
  if (claimed.batch_id) await checkBatchFinished(db, claimed.batch_id)
  return true
}

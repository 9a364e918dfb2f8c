import { type Kysely, sql } from 'kysely'
import type { Claude } from '../claude/client'
import { addKeyedJobs } from '../db/jobs'
import type { DB } from '../db/schema'
import { NotFound } from '../errors'
import type { Logger } from '../log'
import { activeAiSettings } from './ai-settings'
import { estimateTokens, modelPrice } from './cost'
import { forcedToolCall } from './forced-tool-call'
import { GROUNDING_JUDGE_SYSTEM_PROMPT, GroundingJudgement, groundingJudgeTool, judgeContent } from './grounding-judge-tool'

/**
 * The optional Claude judge of grounding: one call per generated, grounded conversation of a batch,
 * as graphile-worker jobs (tasks/judge_grounding.ts) keyed by the conversation. Its score is stored
 * beside the heuristic one as `quality_parts.grounding_judge`; the cost is shown before it runs.
 */
export const JUDGE_TASK = 'judge_grounding'

/** Room for the score and a list of problems. */
const JUDGE_MAX_TOKENS = 1024
/** A typical judgement: the score and one or two short problems. */
const JUDGE_OUTPUT_TOKENS = 120

/** The instruction around a source block, and the tags and instruction around a transcript. */
const SOURCE_FRAMING_CHARS = 300
const TRANSCRIPT_FRAMING_TOKENS = 30

export type JudgeEstimate = { calls: number; input_tokens: number; output_tokens: number; cost_usd: number }

/** Generated (not queued, failed or cancelled) grounded conversations of the batch that are not deleted. */
const judgeable = (batchId: string) => sql`
  batch_id = ${batchId}::uuid and chunk_context is not null and deleted_at is null
  and status in ('pending_review', 'approved', 'rejected', 'needs_revision')`

/**
 * Calls, tokens and dollars at the active model's prices: tools and system prompt as a prefix every
 * call shares, each chunk's source block written to the prompt cache by its first call and read by
 * the others (when long enough to be cached), the transcript at the input price.
 */
export async function requestGroundingJudge(
  db: Kysely<DB>,
  batchId: string,
  options: { dryRun: boolean },
): Promise<{ estimate: JudgeEstimate; queued: number }> {
  const batch = await db.selectFrom('batches').select('id').where('id', '=', batchId).executeTakeFirst()
  if (!batch) throw new NotFound('No such batch.')
  const settings = await activeAiSettings(db)
  const { rows: perChunk } = await sql<{ calls: number; source_chars: number; transcript_chars: number }>`
    select count(*)::int as calls, max(length(chunk_context->>'text'))::int as source_chars, coalesce(sum(length(turns::text)), 0)::int as transcript_chars
    from conversations where ${judgeable(batchId)} group by chunk_context->>'chunk_id'`.execute(db)
  const p = modelPrice(settings.model)
  const prefix = estimateTokens(JSON.stringify(groundingJudgeTool) + GROUNDING_JUDGE_SYSTEM_PROMPT)
  let calls = 0
  let inputTokens = 0
  let dollars = 0
  for (const chunk of perChunk) {
    // Lengths come from SQL, so tokens are counted as estimateTokens counts text: four characters each.
    const cached = prefix + Math.ceil((chunk.source_chars + SOURCE_FRAMING_CHARS) / 4)
    const transcript = Math.ceil(chunk.transcript_chars / 4) + TRANSCRIPT_FRAMING_TOKENS * chunk.calls
    calls += chunk.calls
    inputTokens += cached * chunk.calls + transcript
    dollars += transcript * p.input
    dollars += cached < p.minCacheable ? cached * chunk.calls * p.input : cached * (p.cacheWrite + p.cacheRead * (chunk.calls - 1))
  }
  const outputTokens = JUDGE_OUTPUT_TOKENS * calls
  dollars += outputTokens * p.output
  const estimate = { calls, input_tokens: inputTokens, output_tokens: outputTokens, cost_usd: Math.round(dollars) / 1_000_000 }
  if (options.dryRun || calls === 0) return { estimate, queued: 0 }
  const conversations = sql`select id from conversations where ${judgeable(batchId)}`
  const { rows } = await addKeyedJobs(JUDGE_TASK, 'conversationId', conversations, settings.max_retries + 1).execute(db)
  return { estimate, queued: rows[0]?.n ?? 0 }
}

/**
 * Judges one conversation against its own saved chunk context and stores the score: 'judged', or
 * 'gone' when it was deleted or is no longer grounded. Errors and invalid answers throw (the queue
 * retries); running twice stores the later judgement.
 */
export async function judgeConversation(deps: { db: Kysely<DB>; claude: Claude; log: Logger }, conversationId: string): Promise<'judged' | 'gone'> {
  const { db } = deps
  const row = await db
    .selectFrom('conversations')
    .select(['chunk_context', 'turns'])
    .where('id', '=', conversationId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  if (!row?.chunk_context) return 'gone'
  const judgement = await forcedToolCall(deps, {
    system: GROUNDING_JUDGE_SYSTEM_PROMPT,
    content: judgeContent(row.chunk_context, row.turns),
    tool: groundingJudgeTool,
    maxTokens: JUDGE_MAX_TOKENS,
    what: 'grounding judgement',
    schema: GroundingJudgement,
  })
  const score = Math.round(judgement.score * 100) / 100
  const updated = await sql`
    update conversations set quality_parts = coalesce(quality_parts, '{}'::jsonb) || jsonb_build_object('grounding_judge', ${score}::numeric), updated_at = now()
    where id = ${conversationId}::uuid and deleted_at is null`.execute(db)
  return Number(updated.numAffectedRows ?? 0) > 0 ? 'judged' : 'gone'
}

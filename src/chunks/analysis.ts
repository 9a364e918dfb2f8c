import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import type { Claude } from '../claude/client'
import { addKeyedJobs } from '../db/jobs'
import type { DB } from '../db/schema'
import { NotFound } from '../errors'
import { type AiSettings, activeAiSettings } from '../generation/ai-settings'
import { modelPrice } from '../generation/cost'
import { forcedToolCall } from '../generation/forced-tool-call'
import type { Logger } from '../log'
import { toDimensionSource } from './dimension-source'
import { DIMENSION_SYSTEM_PROMPT, DIMENSION_TOKENS, dimensionPrompt, dimensionTool } from './dimension-tool'
import { DimensionAnalysis } from './dimensions'
import { loadChunk, saveChunkAnalysis } from './queries'
import { countTokens } from './tokens'

/**
 * Dimension analysis: one Claude call per chunk, as a graphile-worker job (tasks/analyze_chunk.ts)
 * keyed by the chunk, so asking twice queues it once. The estimate is shown before anything runs.
 */
export const ANALYZE_TASK = 'analyze_chunk'

export type AnalysisTarget = { document_id: string } | { chunk_ids: string[] }
export type AnalysisEstimate = { calls: number; input_tokens: number; output_tokens: number; cost_usd: number }

function targetCondition(target: AnalysisTarget): RawBuilder<SqlBool> {
  return 'document_id' in target ? sql<SqlBool>`c.document_id = ${target.document_id}::uuid` : sql<SqlBool>`c.id = any(${target.chunk_ids}::uuid[])`
}

/** Every chunk a request names must exist: a document without chunks or an unknown id is a 404. */
async function countTarget(db: Kysely<DB>, target: AnalysisTarget): Promise<{ chunks: number; tokens: number; heading_tokens: number }> {
  const { rows } = await sql<{ chunks: number; tokens: number; headings: string }>`
    select count(*)::int as chunks, coalesce(sum(c.tokens), 0)::int as tokens,
           coalesce(string_agg(d.title || ' ' || array_to_string(c.heading_path, ' '), ' '), '') as headings
    from chunks c join documents d on d.id = c.document_id
    where ${targetCondition(target)}`.execute(db)
  const found = rows[0] ?? { chunks: 0, tokens: 0, headings: '' }
  if ('document_id' in target && found.chunks === 0) throw new NotFound('No such document, or it has no chunks yet.')
  if ('chunk_ids' in target && found.chunks < new Set(target.chunk_ids).size)
    throw new NotFound('Some of those chunks do not exist (deleted or re-chunked away?).')
  return { chunks: found.chunks, tokens: found.tokens, heading_tokens: countTokens(found.headings) }
}

/**
 * Calls, tokens and dollars for analysing `calls` chunks at the active model's prices. The tool
 * definition and system prompt are the same for every call and sent marked for prompt caching:
 * written once, read by the calls after it (when long enough for the model to cache).
 */
export function estimateAnalysis(settings: AiSettings, counted: { chunks: number; tokens: number; heading_tokens: number }): AnalysisEstimate {
  const p = modelPrice(settings.model)
  const calls = counted.chunks
  const prefix = countTokens(JSON.stringify(dimensionTool) + DIMENSION_SYSTEM_PROMPT)
  const perCall = DIMENSION_TOKENS.input - prefix
  const rest = counted.tokens + counted.heading_tokens + perCall * calls
  const prefixCost = calls === 0 ? 0 : prefix < p.minCacheable ? prefix * calls * p.input : prefix * (p.cacheWrite + p.cacheRead * (calls - 1))
  const outputTokens = DIMENSION_TOKENS.output * calls
  const dollars = rest * p.input + prefixCost + outputTokens * p.output
  return {
    calls,
    input_tokens: rest + prefix * calls,
    output_tokens: outputTokens,
    cost_usd: Math.round(dollars) / 1_000_000,
  }
}

/**
 * The estimate, and unless it is a dry run, one job per chunk added by the same statement that
 * picks the chunks (a job per chunk, keyed by it: asking again replaces the waiting job).
 */
export async function requestAnalysis(
  db: Kysely<DB>,
  target: AnalysisTarget,
  options: { dryRun: boolean },
): Promise<{ estimate: AnalysisEstimate; queued: number }> {
  const settings = await activeAiSettings(db)
  const estimate = estimateAnalysis(settings, await countTarget(db, target))
  if (options.dryRun) return { estimate, queued: 0 }
  const chunks = sql`select c.id from chunks c where ${targetCondition(target)}`
  const { rows } = await addKeyedJobs(ANALYZE_TASK, 'chunkId', chunks, settings.max_retries + 1).execute(db)
  return { estimate, queued: rows[0]?.n ?? 0 }
}

/** Room for every dimension's score and confidence, with margin for the model's formatting. */
const ANALYSIS_MAX_TOKENS = DIMENSION_TOKENS.output * 2

/**
 * Analyses one chunk and stores the result: 'analysed', or 'gone' when the chunk was deleted
 * meanwhile. Claude's errors and invalid output throw (the queue retries); running twice only
 * analyses twice, each write replacing the last.
 */
export async function analyseChunk(deps: { db: Kysely<DB>; claude: Claude; log: Logger }, chunkId: string): Promise<'analysed' | 'gone'> {
  const { db } = deps
  // Not through the cache: another process may have changed the chunk within the cache's TTL.
  const chunk = await loadChunk(db, chunkId)
  if (!chunk) return 'gone'
  const analysis = await forcedToolCall(deps, {
    system: DIMENSION_SYSTEM_PROMPT,
    content: dimensionPrompt(chunk),
    tool: dimensionTool,
    maxTokens: ANALYSIS_MAX_TOKENS,
    what: 'dimension analysis',
    schema: DimensionAnalysis,
  })
  const stored = await saveChunkAnalysis(db, chunk.id, analysis, toDimensionSource(analysis))
  return stored ? 'analysed' : 'gone'
}

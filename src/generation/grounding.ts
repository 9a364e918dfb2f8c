import type { DimensionSource } from '../chunks/dimension-source'
import type { ChunkContext, Turn } from '../db/schema'

/**
 * Grounded generation: how a chunk's text is put in front of Claude, and how well a conversation
 * made from it stays within it. The source block is the first user content block, marked for
 * prompt caching, so every call for one chunk shares the cached prefix (tools, system, source).
 */

const SOURCE_OPEN = '<source_text>'
const SOURCE_CLOSE = '</source_text>'

/** The text of the source block a grounded call sends (the same for every call for that chunk). */
export function sourceBlockText(context: ChunkContext): string {
  const where = [context.document_title, ...context.heading_path].filter(Boolean).join(' › ')
  return (
    `Ground the conversation in this source text from "${where}". The assistant states only facts the source supports ` +
    `and does not contradict it; when asked something the source does not cover, the assistant says so.\n` +
    `${SOURCE_OPEN}\n${context.text}\n${SOURCE_CLOSE}`
  )
}

/** The source text inside a request's content, if it carries a source block (the simulator reads it). */
export function sourceTextIn(text: string): string | undefined {
  const start = text.indexOf(SOURCE_OPEN)
  const end = text.lastIndexOf(SOURCE_CLOSE)
  if (start < 0 || end <= start) return undefined
  return text.slice(start + SOURCE_OPEN.length, end).trim()
}

/** A snake_case dimension name as words a prompt reads naturally: `first_time_buyer` → "first time buyer". */
export function readableDimension(name: string): string {
  return name.replace(/[_-]+/g, ' ').trim()
}

const STOP = new Set(
  (
    'about above after again against also although among because been before being below between both could does doing ' +
    'down during each even every from further have having here into just more most much must only other over same ' +
    'should some such than that their them then there these they this those through under until very were what when ' +
    "where which while will with would your yours it's that's you're i'm can't don't"
  ).split(' '),
)
const NEGATION = /\b(?:not|no|never|cannot|can't|won't|isn't|aren't|doesn't|don't|without|none)\b/i
const NUMBER = /\b\d+(?:[.,]\d+)?\b/g

function contentWords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []).filter((w) => w.length >= 4 && !STOP.has(w))
}

/** Roughly a stem, so "refunds" meets "refund" and "delivered" meets "delivery". */
const stem = (word: string) => word.replace(/(?:ies|es|s|ed|ing|y)$/, '').slice(0, 7)

function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

/** A contradiction costs more than an unsupported sentence: it teaches the model something false. */
const CONTRADICTION_PENALTY = 3.5

export type GroundingInput = { turns: Turn[]; source: ChunkContext; dimensions: DimensionSource | null }
export type Grounding = { score: number; support: number; contradictions: number }

/**
 * 0–10: how much of what the assistant says the source supports, less a penalty for each sign of
 * contradiction, mixed with how confident the chunk's analysis was in the personas, emotions and
 * topics it handed the prompt (an unanalysed chunk leaves that out). Support is the share of the
 * assistant's substantive sentences (three content words or more) whose content words mostly
 * (at least half) occur in the source. A contradiction is a sentence that shares most of its words
 * with a source sentence (half or more) but differs from it in negation, or a number the source does not have
 * where the source gives numbers. Heuristics, cheap enough to run on every conversation.
 */
export function scoreGrounding(input: GroundingInput): Grounding {
  const sourceSentences = sentences(input.source.text).map((s) => ({ stems: new Set(contentWords(s).map(stem)), negated: NEGATION.test(s) }))
  const sourceStems = new Set(sourceSentences.flatMap((s) => [...s.stems]))
  const sourceNumbers = new Set(input.source.text.match(NUMBER) ?? [])
  let substantive = 0
  let supported = 0
  let contradictions = 0
  for (const turn of input.turns) {
    if (turn.role !== 'assistant') continue
    for (const sentence of sentences(turn.content)) {
      const stems = contentWords(sentence).map(stem)
      if (stems.length < 3) continue
      substantive++
      const known = stems.filter((s) => sourceStems.has(s)).length
      if (known / stems.length >= 0.5) supported++
      const negated = NEGATION.test(sentence)
      const nearest = nearestSentence(stems, sourceSentences)
      if (nearest && nearest.overlap >= 0.5 && nearest.negated !== negated) contradictions++
      if (sourceNumbers.size > 0) for (const n of sentence.match(NUMBER) ?? []) if (!sourceNumbers.has(n)) contradictions++
    }
  }
  const support = substantive === 0 ? 0 : supported / substantive
  const facts = Math.max(0, 10 * support - CONTRADICTION_PENALTY * contradictions)
  const confidence = dimensionConfidence(input.dimensions)
  const score = confidence === undefined ? facts : 0.8 * facts + 0.2 * 10 * confidence
  return { score: Math.round(Math.min(10, Math.max(0, score)) * 100) / 100, support: Math.round(support * 100) / 100, contradictions }
}

function nearestSentence(stems: string[], source: Array<{ stems: Set<string>; negated: boolean }>) {
  let best: { overlap: number; negated: boolean } | undefined
  for (const s of source) {
    if (s.stems.size === 0) continue
    const overlap = stems.filter((w) => s.stems.has(w)).length / Math.max(stems.length, s.stems.size)
    if (!best || overlap > best.overlap) best = { overlap, negated: s.negated }
  }
  return best
}

/** The mean of the strongest persona, emotion and topic confidences the chunk's analysis gave. */
function dimensionConfidence(dimensions: DimensionSource | null): number | undefined {
  if (!dimensions) return undefined
  const tops = [dimensions.personas[0], dimensions.emotions[0], dimensions.topics[0]].filter((d) => d !== undefined)
  if (tops.length === 0) return undefined
  return tops.reduce((sum, d) => sum + d.confidence, 0) / tops.length
}

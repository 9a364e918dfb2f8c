import type { DimensionSource } from '../chunks/dimension-source'
import type { ChunkContext, Turn } from '../db/schema'
import { hasPlaceholder } from '../templates/placeholders'
import { scoreGrounding } from './grounding'

/**
 * The automatic quality score of a generated conversation: 0–10, the weighted mean of parts that
 * are each 0–10 and stored beside it, so a reviewer sees why a conversation scored as it did.
 */
export type QualityParts = {
  turn_count: number
  length_balance: number
  structure: number
  repetition: number
  leakage: number
  novelty: number
  /** Only for a conversation made from a chunk: does it stay within the chunk's facts (see grounding.ts). */
  grounding?: number
}

export type QualityInput = {
  turns: Turn[]
  minTurns: number
  maxTurns: number
  /** Word 4-shingles of other conversations of the same batch (the most recent ones), for near-duplicates. */
  others: Array<Set<string>>
  /** The chunk a grounded conversation was made from, and its dimensions. */
  source?: { context: ChunkContext; dimensions: DimensionSource | null }
}

const WEIGHTS: Required<QualityParts> = { turn_count: 1, length_balance: 1, structure: 1.5, repetition: 1, leakage: 1.5, novelty: 1, grounding: 2 }

export function scoreQuality(input: QualityInput): { score: number; parts: QualityParts; shingles: Set<string> } {
  const mine = shingles(input.turns)
  const parts: QualityParts = {
    turn_count: turnCountFit(input.turns.length, input.minTurns, input.maxTurns),
    length_balance: lengthBalance(input.turns),
    structure: structure(input.turns),
    repetition: repetition(input.turns),
    leakage: leakage(input.turns),
    novelty: novelty(mine, input.others),
  }
  if (input.source) parts.grounding = scoreGrounding({ turns: input.turns, source: input.source.context, dimensions: input.source.dimensions }).score
  let sum = 0
  let weights = 0
  for (const key of Object.keys(parts) as Array<keyof QualityParts>) {
    sum += (parts[key] ?? 0) * WEIGHTS[key]
    weights += WEIGHTS[key]
  }
  // A leaked placeholder or a refusal makes a sample unusable, whatever else is good about it.
  const score = parts.leakage === 0 ? Math.min(3, sum / weights) : sum / weights
  return { score: round2(score), parts, shingles: mine }
}

/** 10 inside the template's range, three points less for every turn outside it. */
export function turnCountFit(count: number, min: number, max: number): number {
  const outside = count < min ? min - count : count > max ? count - max : 0
  return clamp(10 - 3 * outside)
}

/** Assistant turns a little longer than user turns read naturally; one-word turns or walls of text do not. */
export function lengthBalance(turns: Turn[]): number {
  const words = (role: Turn['role']) => turns.filter((t) => t.role === role).map((t) => wordCount(t.content))
  const user = words('user')
  const assistant = words('assistant')
  if (user.length === 0 || assistant.length === 0) return 0
  const ratio = mean(assistant) / Math.max(1, mean(user))
  let score = ratio >= 0.7 && ratio <= 6 ? 10 : ratio < 0.7 ? 10 * (ratio / 0.7) : 10 * (6 / ratio)
  const tooShort = [...user, ...assistant].filter((n) => n < 3).length
  score -= 2 * tooShort
  return clamp(score)
}

/** Starts with the user, alternates exactly, ends with the assistant. */
export function structure(turns: Turn[]): number {
  if (turns.length === 0) return 0
  let score = 10
  const outOfTurn = turns.filter((turn, i) => turn.role !== (i % 2 === 0 ? 'user' : 'assistant')).length
  score -= 4 * outOfTurn
  if (turns.at(-1)?.role !== 'assistant') score -= 3
  return clamp(score)
}

/** Share of word trigrams that repeat within the conversation; a little repetition is normal. */
export function repetition(turns: Turn[]): number {
  const grams = turns.flatMap((t) => ngrams(words(t.content), 3))
  if (grams.length === 0) return 10
  const repeated = grams.length - new Set(grams).size
  const share = repeated / grams.length
  return clamp(10 - Math.max(0, share - 0.05) * 25)
}

const REFUSALS = [
  /\bas an ai\b/i,
  /\bi(?:'m| am) (?:just )?an ai\b/i,
  /\bi can(?:no|')t (?:help|assist) with (?:that|this)\b/i,
  /\bi(?:'m| am) (?:not able|unable) to (?:help|assist|comply)\b/i,
  /\bas a language model\b/i,
]

/** 0 when a {{placeholder}} leaked into the text; 3 when the model refused or stepped out of the role play. */
export function leakage(turns: Turn[]): number {
  if (turns.some((t) => hasPlaceholder(t.content))) return 0
  if (turns.some((t) => REFUSALS.some((re) => re.test(t.content)))) return 3
  return 10
}

/** 10 minus how close the nearest other conversation is (Jaccard similarity of word 4-shingles). */
export function novelty(mine: Set<string>, others: Array<Set<string>>): number {
  if (others.length === 0) return 10
  let nearest = 0
  for (const other of others) nearest = Math.max(nearest, jaccard(mine, other))
  // Below 0.3 overlap is just shared phrasing; at 0.9 and above it is the same conversation.
  return clamp(10 * (1 - (nearest - 0.3) / 0.6))
}

export function shingles(turns: Turn[]): Set<string> {
  return new Set(turns.flatMap((t) => ngrams(words(t.content), 4)))
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1
  let shared = 0
  const [small, large] = a.size <= b.size ? [a, b] : [b, a]
  for (const item of small) if (large.has(item)) shared++
  return shared / (a.size + b.size - shared)
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []
}

function wordCount(text: string): number {
  return words(text).length
}

function ngrams(list: string[], n: number): string[] {
  const out: string[] = []
  for (let i = 0; i + n <= list.length; i++) out.push(list.slice(i, i + n).join(' '))
  return out
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length
}

function clamp(value: number): number {
  return round2(Math.min(10, Math.max(0, value)))
}

function round2(value: number): number {
  return Math.round(value * 100) / 100
}

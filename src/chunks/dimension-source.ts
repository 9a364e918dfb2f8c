import { z } from 'zod'
import { type DimensionAnalysis, type DimensionGroup, dimensionsIn } from './dimensions'

/**
 * What generation takes from an analysis: the personas, emotions and topics that apply (each
 * with a confidence) and one complexity figure. Stored on chunks and, copied, on the
 * conversations made from them.
 */
export const RankedDimension = z.object({ name: z.string(), confidence: z.number().min(0).max(1) })
export const DimensionSource = z.object({
  personas: z.array(RankedDimension),
  emotions: z.array(RankedDimension),
  topics: z.array(RankedDimension),
  complexity: z.number().int().min(1).max(10),
})
export type DimensionSource = z.infer<typeof DimensionSource>
export type RankedDimension = z.infer<typeof RankedDimension>

/**
 * The thresholds, documented: a persona, emotion or topic applies when its score is at least
 * MIN_SCORE and the analysis is at least MIN_CONFIDENCE sure of it. Its confidence in the source
 * is score × confidence (how sure we are that it applies), rounded to two places; the list is
 * ordered by that and capped, so a template gets the strongest few rather than every faint one.
 */
export const DIMENSION_SOURCE_RULES = {
  MIN_SCORE: 0.5,
  MIN_CONFIDENCE: 0.4,
  MAX_PERSONAS: 3,
  MAX_EMOTIONS: 3,
  MAX_TOPICS: 5,
} as const

/**
 * Analysis scores → dimension_source. Complexity is 1 + 9 × the mean of the complexity facets'
 * scores, each weighted by its confidence (an unsure facet counts for less), rounded: a text no
 * facet applies to is 1, one every facet applies to is 10.
 */
export function toDimensionSource(scores: DimensionAnalysis): DimensionSource {
  const { MIN_SCORE, MIN_CONFIDENCE, MAX_PERSONAS, MAX_EMOTIONS, MAX_TOPICS } = DIMENSION_SOURCE_RULES
  const ranked = (group: DimensionGroup, limit: number): RankedDimension[] =>
    namesIn(group)
      .map((name) => ({ name, ...scores[name] }))
      .filter((d) => d.score >= MIN_SCORE && d.confidence >= MIN_CONFIDENCE)
      .map((d) => ({ name: d.name, confidence: round2(d.score * d.confidence) }))
      .sort((a, b) => b.confidence - a.confidence || a.name.localeCompare(b.name))
      .slice(0, limit)

  const facets = namesIn('complexity').map((name) => scores[name])
  const weight = facets.reduce((sum, f) => sum + f.confidence, 0)
  const mean = weight > 0 ? facets.reduce((sum, f) => sum + f.score * f.confidence, 0) / weight : facets.reduce((sum, f) => sum + f.score, 0) / facets.length
  return {
    personas: ranked('persona', MAX_PERSONAS),
    emotions: ranked('emotion', MAX_EMOTIONS),
    topics: ranked('topic', MAX_TOPICS),
    complexity: Math.min(10, Math.max(1, 1 + Math.round(9 * mean))),
  }
}

const namesIn = (group: DimensionGroup) => dimensionsIn(group).map((d) => d.name)
const round2 = (n: number) => Math.round(n * 100) / 100

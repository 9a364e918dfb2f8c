import { describe, expect, it } from 'vitest'
import { DIMENSION_SOURCE_RULES, DimensionSource, toDimensionSource } from '../src/chunks/dimension-source'
import { DIMENSION_SYSTEM_PROMPT, DIMENSION_TOKENS, DIMENSION_TOOL_NAME, dimensionPrompt, dimensionTool } from '../src/chunks/dimension-tool'
import {
  DIMENSION_GROUPS,
  DIMENSION_NAMES,
  DIMENSIONS,
  DimensionAnalysis,
  type DimensionGroup,
  type DimensionName,
  dimensionsIn,
  dimensionsMarkdown,
} from '../src/chunks/dimensions'
import { simulateDimensionAnalysis } from '../src/chunks/simulated-dimensions'

/** Every dimension at one score and confidence, then the given overrides. */
function analysis(
  base: { score: number; confidence: number },
  overrides: Partial<Record<DimensionName, { score: number; confidence: number }>> = {},
): DimensionAnalysis {
  return DimensionAnalysis.parse({ ...Object.fromEntries(DIMENSION_NAMES.map((n) => [n, base])), ...overrides })
}

const REFUNDS = `Refund policy. If your order arrived damaged, you can return it within 30 days for a full refund.
Refunds are paid back to the card you used for the purchase. To start a return:
1. Sign in to your account.
2. Open Orders and select the item.
3. Click Return and print the prepaid label.
Refunds usually take 5-10 working days; see section 4 for exceptions.`

const API = `The REST API accepts JSON requests. Authenticate with a bearer token in the Authorization header.
Each endpoint responds with a request_id, and webhook deliveries retry with exponential backoff. Install the SDK
library and call the function from your code before you deploy.`

describe('the dimension catalogue', () => {
  it('has about sixty uniquely named dimensions in six groups, each described in one line', () => {
    expect(DIMENSIONS.length).toBeGreaterThanOrEqual(55)
    expect(DIMENSIONS.length).toBeLessThanOrEqual(65)
    expect(new Set(DIMENSION_NAMES).size).toBe(DIMENSIONS.length)
    for (const d of DIMENSIONS) {
      expect(d.name).toMatch(/^[a-z]+(_[a-z]+)*$/)
      expect(d.description).toMatch(/^[A-Z][^\n]{10,100}\.$/)
    }
    for (const group of Object.keys(DIMENSION_GROUPS) as DimensionGroup[]) expect(dimensionsIn(group).length).toBeGreaterThanOrEqual(6)
    expect(new Set(DIMENSIONS.map((d) => d.group))).toEqual(new Set(Object.keys(DIMENSION_GROUPS)))
  })

  it('describes itself as Markdown: a table per group listing every dimension', () => {
    const markdown = dimensionsMarkdown()
    for (const [group, title] of Object.entries(DIMENSION_GROUPS)) expect(markdown).toContain(`**${group}**: ${title}`)
    for (const d of DIMENSIONS) expect(markdown).toContain(`| \`${d.name}\` | ${d.description} |`)
    expect(markdown.match(/\| Dimension \| Meaning \|/g)).toHaveLength(Object.keys(DIMENSION_GROUPS).length)
  })
})

describe('the analysis schema', () => {
  it('accepts a score and confidence for every dimension', () => {
    expect(DimensionAnalysis.safeParse(analysis({ score: 0.5, confidence: 0.5 })).success).toBe(true)
  })

  it('refuses an analysis that misses a dimension, adds an unknown one or scores outside 0–1', () => {
    const complete = Object.fromEntries(DIMENSION_NAMES.map((n) => [n, { score: 0.2, confidence: 0.7 }]))
    const { customer: _dropped, ...missing } = complete
    const cases: [unknown, string][] = [
      [missing, 'customer'],
      [{ ...complete, astrology: { score: 1, confidence: 1 } }, ''],
      [{ ...complete, billing: { score: 1.2, confidence: 0.5 } }, 'billing.score'],
      [{ ...complete, billing: { score: 0.5, confidence: -0.1 } }, 'billing.confidence'],
      [{ ...complete, billing: { score: '0.5', confidence: 0.5 } }, 'billing.score'],
    ]
    for (const [input, path] of cases) {
      const result = DimensionAnalysis.safeParse(input)
      expect(result.success).toBe(false)
      expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path)
    }
  })
})

describe('the analysis tool', () => {
  it('forces Claude to score exactly the known dimensions, each as a score and a confidence', () => {
    expect(dimensionTool.name).toBe(DIMENSION_TOOL_NAME)
    const schema = dimensionTool.input_schema
    expect(schema.additionalProperties).toBe(false)
    expect([...schema.required].sort()).toEqual([...DIMENSION_NAMES].sort())
    expect(Object.keys(schema.properties).sort()).toEqual([...DIMENSION_NAMES].sort())
    for (const property of Object.values(schema.properties)) {
      expect(property).toMatchObject({ type: 'object', required: ['score', 'confidence'], additionalProperties: false })
    }
  })

  it('explains every dimension in the system prompt and places the passage in its document', () => {
    for (const d of DIMENSIONS) expect(DIMENSION_SYSTEM_PROMPT).toContain(`- ${d.name}: ${d.description}`)
    const prompt = dimensionPrompt({ text: 'Refunds take five days.', heading_path: ['Policies', 'Refunds'], document_title: 'Handbook' })
    expect(prompt).toContain('Handbook › Policies › Refunds')
    expect(prompt).toContain('<passage>\nRefunds take five days.\n</passage>')
  })

  it('estimates the tokens an analysis adds: a full answer out, the tool and instructions in', () => {
    expect(DIMENSION_TOKENS.output).toBeGreaterThan(DIMENSIONS.length * 10)
    expect(DIMENSION_TOKENS.input).toBeGreaterThan(DIMENSION_TOKENS.output)
  })
})

describe('the simulated analysis', () => {
  it('is valid, and the same for the same text', () => {
    const first = simulateDimensionAnalysis(REFUNDS)
    expect(DimensionAnalysis.safeParse(first).success).toBe(true)
    expect(simulateDimensionAnalysis(REFUNDS)).toEqual(first)
    expect(simulateDimensionAnalysis(`${REFUNDS} `)).not.toEqual(first)
    expect(DimensionAnalysis.safeParse(simulateDimensionAnalysis('')).success).toBe(true)
  })

  it("follows the text's words: refunds score as refunds and retail, an API reference as developers and integration", () => {
    const refunds = simulateDimensionAnalysis(REFUNDS)
    const api = simulateDimensionAnalysis(API)
    expect(refunds.refund_return.score).toBeGreaterThan(0.7)
    expect(refunds.refund_return.score).toBeGreaterThan(api.refund_return.score)
    expect(refunds.retail_ecommerce.score).toBeGreaterThan(refunds.healthcare.score)
    expect(api.developer.score).toBeGreaterThan(0.7)
    expect(api.developer.score).toBeGreaterThan(refunds.developer.score)
    expect(api.integration_setup.score).toBeGreaterThan(api.shipping_delivery.score)
    expect(refunds.multi_step_procedure.score).toBeGreaterThan(api.multi_step_procedure.score)
    expect(api.jargon_density.score).toBeGreaterThan(refunds.jargon_density.score)
  })

  it('is more confident about a longer passage', () => {
    const short = simulateDimensionAnalysis('Refunds take five days.')
    const long = simulateDimensionAnalysis(Array.from({ length: 8 }, () => REFUNDS).join('\n\n'))
    const mean = (a: DimensionAnalysis) => DIMENSION_NAMES.reduce((sum, n) => sum + a[n].confidence, 0) / DIMENSION_NAMES.length
    expect(mean(long)).toBeGreaterThan(mean(short) + 0.2)
  })

  it('turns into a dimension source naming what the text is about', () => {
    const source = toDimensionSource(simulateDimensionAnalysis(REFUNDS))
    expect(DimensionSource.safeParse(source).success).toBe(true)
    expect(source.topics[0]?.name).toBe('refund_return')
    expect(source.personas.map((p) => p.name)).toContain('customer')
  })
})

describe('toDimensionSource', () => {
  const { MIN_SCORE, MIN_CONFIDENCE, MAX_PERSONAS, MAX_EMOTIONS, MAX_TOPICS } = DIMENSION_SOURCE_RULES

  it('keeps a persona, emotion or topic only at or above both thresholds, with confidence score × confidence', () => {
    const source = toDimensionSource(
      analysis(
        { score: 0.1, confidence: 0.9 },
        {
          developer: { score: MIN_SCORE, confidence: MIN_CONFIDENCE },
          customer: { score: MIN_SCORE - 0.01, confidence: 1 },
          manager: { score: 1, confidence: MIN_CONFIDENCE - 0.01 },
          frustrated: { score: 0.9, confidence: 0.8 },
          billing: { score: 0.7, confidence: 0.5 },
        },
      ),
    )
    expect(source.personas).toEqual([{ name: 'developer', confidence: Math.round(MIN_SCORE * MIN_CONFIDENCE * 100) / 100 }])
    expect(source.emotions).toEqual([{ name: 'frustrated', confidence: 0.72 }])
    expect(source.topics).toEqual([{ name: 'billing', confidence: 0.35 }])
  })

  it('orders by confidence and keeps only the strongest few of each', () => {
    const strong = (names: DimensionName[]) => Object.fromEntries(names.map((n, i) => [n, { score: 0.95 - i * 0.05, confidence: 0.9 }]))
    const personas = dimensionsIn('persona').map((d) => d.name)
    const emotions = dimensionsIn('emotion').map((d) => d.name)
    const topics = dimensionsIn('topic').map((d) => d.name)
    const source = toDimensionSource(analysis({ score: 0, confidence: 1 }, { ...strong(personas), ...strong(emotions), ...strong(topics) }))
    expect(source.personas.map((p) => p.name)).toEqual(personas.slice(0, MAX_PERSONAS))
    expect(source.emotions.map((p) => p.name)).toEqual(emotions.slice(0, MAX_EMOTIONS))
    expect(source.topics.map((p) => p.name)).toEqual(topics.slice(0, MAX_TOPICS))
    for (const list of [source.personas, source.emotions, source.topics]) {
      expect(list.map((d) => d.confidence)).toEqual([...list.map((d) => d.confidence)].sort((a, b) => b - a))
    }
  })

  it('rates complexity 1 when no facet applies and 10 when all do', () => {
    expect(toDimensionSource(analysis({ score: 0, confidence: 1 })).complexity).toBe(1)
    expect(toDimensionSource(analysis({ score: 1, confidence: 1 })).complexity).toBe(10)
    expect(toDimensionSource(analysis({ score: 0.5, confidence: 0.8 })).complexity).toBe(1 + Math.round(9 * 0.5))
  })

  it('weighs each complexity facet by its confidence, so an unsure facet counts for less', () => {
    const facets = dimensionsIn('complexity').map((d) => d.name)
    const [sure, ...unsure] = facets
    const overrides = Object.fromEntries([[sure!, { score: 1, confidence: 1 }], ...unsure.map((n) => [n, { score: 0, confidence: 0 }])])
    expect(toDimensionSource(analysis({ score: 0, confidence: 1 }, overrides)).complexity).toBe(10)
    const noConfidence = Object.fromEntries(facets.map((n, i) => [n, { score: i < facets.length / 2 ? 1 : 0, confidence: 0 }]))
    expect(toDimensionSource(analysis({ score: 0, confidence: 1 }, noConfidence)).complexity).toBe(1 + Math.round(9 * 0.5))
  })
})

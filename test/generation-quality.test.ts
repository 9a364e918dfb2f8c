import { describe, expect, test } from 'vitest'
import type { Turn } from '../src/db/schema'
import { costOf, estimateBatch, modelPrice } from '../src/generation/cost'
import { jaccard, leakage, lengthBalance, novelty, repetition, scoreQuality, shingles, structure, turnCountFit } from '../src/generation/quality'

const user = (content: string): Turn => ({ role: 'user', content })
const assistant = (content: string): Turn => ({ role: 'assistant', content })

const good: Turn[] = [
  user('Hi, my card payment was declined at the grocery store this morning. Can you tell me why?'),
  assistant('I am sorry about that. Declines usually come from a daily limit, a fraud check, or an expired card. Let me look at which one applies to you.'),
  user('The card expires next year, and I only spent about forty dollars today.'),
  assistant('Then it was most likely our fraud check: the store is new to your history. I have cleared it, so the card should work again right away.'),
]

describe('quality score', () => {
  test('a natural conversation in range scores high, with every part stored', () => {
    const { score, parts } = scoreQuality({ turns: good, minTurns: 4, maxTurns: 8, others: [] })
    expect(score).toBeGreaterThan(9)
    expect(Object.keys(parts).sort()).toEqual(['leakage', 'length_balance', 'novelty', 'repetition', 'structure', 'turn_count'])
  })

  test('turn count fit drops three points for every turn outside the range', () => {
    expect(turnCountFit(6, 4, 8)).toBe(10)
    expect(turnCountFit(2, 4, 8)).toBe(4)
    expect(turnCountFit(10, 4, 8)).toBe(4)
  })

  test('structure punishes turns out of order and a conversation ending on the user', () => {
    expect(structure(good)).toBe(10)
    expect(structure([user('a b c'), user('d e f')])).toBeLessThan(5)
    expect(structure(good.slice(0, 3))).toBe(7)
  })

  test('length balance punishes one-word turns and walls of text from one side', () => {
    expect(lengthBalance(good)).toBe(10)
    expect(lengthBalance([user('Hi'), assistant('Hello')])).toBeLessThan(7)
    const wall = assistant(Array.from({ length: 400 }, (_, i) => `word${i}`).join(' '))
    expect(lengthBalance([user('Tell me about fees please'), wall])).toBeLessThan(5)
  })

  test('repetition counts repeated word trigrams within the conversation', () => {
    expect(repetition(good)).toBe(10)
    const parrot = 'I understand your concern about the fee.'
    expect(repetition([user(parrot), assistant(parrot), user(parrot), assistant(parrot)])).toBe(0)
  })

  test('a leaked placeholder scores zero and caps the whole score; a refusal scores three', () => {
    expect(leakage([user('Tell me about {{topic}}'), assistant('Sure thing, here it is.')])).toBe(0)
    expect(leakage([user('Help me hack my bank'), assistant("As an AI, I can't help with that.")])).toBe(3)
    const leaked = [...good.slice(0, 3), assistant('Your {{product}} is ready.')]
    expect(scoreQuality({ turns: leaked, minTurns: 4, maxTurns: 8, others: [] }).score).toBeLessThanOrEqual(3)
  })

  test('a near-duplicate of another conversation of the batch loses its novelty', () => {
    expect(novelty(shingles(good), [])).toBe(10)
    expect(novelty(shingles(good), [shingles(good)])).toBe(0)
    const other = [user('What documents do I need for a mortgage application?'), assistant('Proof of income, two years of tax returns, and identification.')]
    expect(novelty(shingles(good), [shingles(other)])).toBe(10)
    expect(jaccard(shingles(good), shingles(good))).toBe(1)
  })
})

describe('cost', () => {
  test('a call is priced from its real usage, cache writes and reads included', () => {
    expect(costOf('claude-haiku-4-5', { input_tokens: 1_000_000, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 })).toBe(1)
    expect(costOf('claude-haiku-4-5', { input_tokens: 0, output_tokens: 1_000_000, cache_read_tokens: 1_000_000, cache_write_tokens: 1_000_000 })).toBe(
      5 + 0.1 + 1.25,
    )
    expect(modelPrice('claude-sonnet-4-5-20250929')).toEqual(modelPrice('claude-sonnet-4-5'))
  })

  test('a batch estimate counts calls and tokens, caches a long system prompt once, and paces by the rate limit', () => {
    const long = 'x'.repeat(4 * 5000)
    const input = { model: 'claude-sonnet-4-5', countPerItem: 100, minTurns: 4, maxTurns: 8, toolText: '{}', requestsPerMinute: 60, maxConcurrency: 50 }
    const cached = estimateBatch({ ...input, items: [{ system: long, prompt: 'hello' }] })
    expect(cached.calls).toBe(100)
    expect(cached.output_tokens).toBe(100 * (6 * 70 + 40))
    expect(cached.expected_seconds).toBe(100)
    const uncachedDollars = (cached.input_tokens * 3 + cached.output_tokens * 15) / 1_000_000
    expect(cached.cost_usd).toBeLessThan(uncachedDollars)
    expect(cached.calibrated_from).toBeNull()
  })

  test('with 20 or more past conversations of the template, the estimate uses what they really used', () => {
    const input = {
      model: 'claude-sonnet-4-5',
      countPerItem: 10,
      minTurns: 4,
      maxTurns: 8,
      toolText: '{}',
      requestsPerMinute: 60,
      maxConcurrency: 50,
      items: [{ system: 'be kind', prompt: 'hello' }],
    }
    const history = { conversations: 25, input: 900, output: 1200, cacheRead: 100, cacheWrite: 0 }
    const calibrated = estimateBatch({ ...input, history })
    expect(calibrated).toMatchObject({ calls: 10, input_tokens: 10 * 1000, output_tokens: 10 * 1200, calibrated_from: 25 })
    const p = modelPrice('claude-sonnet-4-5')
    expect(calibrated.cost_usd).toBeCloseTo((10 * (900 * p.input + 1200 * p.output + 100 * p.cacheRead)) / 1_000_000, 6)
    // Too few to learn from: still a guess from the text.
    expect(estimateBatch({ ...input, history: { ...history, conversations: 19 } }).calibrated_from).toBeNull()
  })
})

import { describe, expect, test } from 'vitest'
import { ConversationOutput, conversationTool, conversationToolChoice } from '../src/claude/conversation-tool'
import { FAULTS, type Fault } from '../src/claude/simulated-conversation'
import { simulatedConversation, simulateMessage } from '../src/claude/simulator'
import type { ChunkContext } from '../src/db/schema'
import { sourceBlockText } from '../src/generation/grounding'
import { type QualityParts, scoreQuality } from '../src/generation/quality'

/** What the simulator writes: the prompt's inputs, within the turn range, the same every time, with faults that score like real output's. */

const PERSONAS = ['first-time customer', 'small business owner', 'retired engineer', 'university student', 'night-shift nurse', 'IT administrator']
const EMOTIONS = ['calm', 'frustrated', 'anxious', 'curious', 'angry', 'confused', 'grateful', 'impatient', 'sceptical', 'hopeful']
const TOPICS = ['billing dispute', 'password reset', 'delayed delivery', 'refund request', 'data export', 'loyalty points', 'broken device']
const SOURCE =
  'Refunds are issued within 14 days of receiving the returned item. The refund goes back to the original payment method. ' +
  'Items must be unused and in their original packaging. Sale items can be exchanged but not refunded.'
const CHUNK: ChunkContext = { chunk_id: 'c', document_id: 'd', document_title: 'Returns handbook', heading_path: ['Returns'], text: SOURCE }

type Ask = { persona: string; emotion: string; topic: string; edgeCase?: string; grounded?: boolean; min?: number; max?: number; nonce?: number }

/** The request the app sends (src/generation/inputs.ts and generate.ts write the same shape). */
function request(ask: Ask) {
  const { min = 4, max = 8 } = ask
  const prompt = [
    `A customer contacts support for help.${ask.nonce === undefined ? '' : ` (#${ask.nonce})`}`,
    `Scenario:\n- persona: ${ask.persona}\n- emotion: ${ask.emotion}\n- topic: ${ask.topic}`,
    ...(ask.edgeCase ? [`Edge case (escalation), complexity 5/10: ${ask.edgeCase}`] : []),
    `Write between ${min} and ${max} turns in total, alternating user and assistant, starting with the user. Record the conversation with the record_conversation tool.`,
  ].join('\n\n')
  return {
    model: 'claude-haiku-4-5',
    max_tokens: 4096,
    system: [{ type: 'text' as const, text: 'You write realistic customer support conversations.', cache_control: { type: 'ephemeral' as const } }],
    messages: [
      {
        role: 'user' as const,
        content: ask.grounded
          ? [
              { type: 'text' as const, text: sourceBlockText(CHUNK), cache_control: { type: 'ephemeral' as const } },
              { type: 'text' as const, text: prompt },
            ]
          : prompt,
      },
    ],
    tools: [conversationTool],
    tool_choice: conversationToolChoice,
  }
}

function ask(i: number, more: Partial<Ask> = {}): Ask {
  return {
    persona: PERSONAS[i % PERSONAS.length]!,
    emotion: EMOTIONS[(i * 7) % EMOTIONS.length]!,
    topic: TOPICS[(i * 3) % TOPICS.length]!,
    nonce: i,
    ...more,
  }
}

function toolInput(body: ReturnType<typeof simulateMessage>) {
  const block = body.content[0]
  return ConversationOutput.parse(block?.type === 'tool_use' ? block.input : undefined)
}

describe('the simulated conversation', () => {
  test('is the same for the same request and differs between requests', () => {
    const first = toolInput(simulateMessage(request(ask(1))))
    expect(toolInput(simulateMessage(request(ask(1))))).toEqual(first)
    expect(simulatedConversation(request(ask(1)))).toMatchObject(first)
    expect(toolInput(simulateMessage(request(ask(2))))).not.toEqual(first)
    // Any change of the prompt is another conversation, as with a model.
    expect(toolInput(simulateMessage(request({ ...ask(1), nonce: 1001 })))).not.toEqual(first)
  })

  test('the user is the persona, speaks of the topic, and the assistant answers the emotion', () => {
    const cases: Array<[emotion: string, answer: RegExp]> = [
      ['angry', /sorry|right to be annoyed|fix this/i],
      ['anxious', /worry|wrong|step by step/i],
      ['confused', /silly|not alone|untangle/i],
    ]
    for (const [emotion, answer] of cases) {
      for (let i = 0; i < 20; i++) {
        const c = simulatedConversation(request({ ...ask(i), emotion, persona: 'night-shift nurse', topic: 'password reset' }))
        expect(c.turns[0]!.content).toContain('night-shift nurse')
        expect(c.turns[0]!.content).toContain('password reset')
        if (!c.faults.includes('prompt_leakage')) expect(c.turns[1]!.content).toMatch(answer)
      }
    }
  })

  test('reads persona, emotion and topic from a template sentence when the prompt has no scenario block', () => {
    const body = request(ask(0))
    body.messages[0]!.content = 'Write a conversation between a retired engineer who feels sceptical and a support agent about a broken dishwasher.'
    const c = simulatedConversation(body)
    expect(c.turns[0]!.content).toContain('retired engineer')
    expect(c.turns[0]!.content).toContain('a broken dishwasher')
    expect(c.title).toMatch(/dishwasher/i)
  })

  test('an edge case comes up in the user’s own words', () => {
    const conversations = Array.from({ length: 50 }, (_, i) =>
      simulatedConversation(request(ask(i, { min: 6, max: 10, edgeCase: 'The user threatens to leave and asks for a manager.' }))),
    )
    const raised = conversations.filter((c) => c.turns.some((t) => t.role === 'user' && t.content.includes('I threaten to leave and ask for a manager')))
    expect(raised.length).toBeGreaterThan(35)
  })

  test('a grounded conversation answers in the source’s own sentences, and its grounding score finds them', () => {
    const sentences = SOURCE.split(/(?<=\.)\s+/)
    const grounding: number[] = []
    for (let i = 0; i < 60; i++) {
      const c = simulatedConversation(request(ask(i, { grounded: true })))
      const assistant = c.turns.filter((t) => t.role === 'assistant').map((t) => t.content)
      expect(sentences.some((sentence) => assistant[0]!.includes(sentence))).toBe(true)
      const { parts } = scoreQuality({ turns: c.turns, minTurns: 4, maxTurns: 8, others: [], source: { context: CHUNK, dimensions: null } })
      if (!c.faults.includes('off_topic') && !c.faults.includes('prompt_leakage')) grounding.push(parts.grounding!)
    }
    expect(Math.min(...grounding)).toBeGreaterThanOrEqual(7)
  })

  test('stays within the turn range, and ends on the assistant unless it has the fault of ending on the user', () => {
    const ranges: Array<[number, number]> = [
      [2, 2],
      [2, 6],
      [3, 5],
      [3, 3],
      [4, 8],
      [10, 14],
    ]
    for (const [min, max] of ranges) {
      for (let i = 0; i < 40; i++) {
        const c = simulatedConversation(request(ask(i, { min, max })))
        expect(c.turns.length, `${min}–${max}`).toBeGreaterThanOrEqual(min)
        expect(c.turns.length, `${min}–${max}`).toBeLessThanOrEqual(max)
        expect(ConversationOutput.safeParse(c).success).toBe(true)
        const endsOnUser = c.turns.at(-1)!.role === 'user'
        // [3, 3] has only an odd count: ending on the user is no fault there.
        if (min !== max || min % 2 === 0) expect(endsOnUser).toBe(c.faults.includes('ends_with_user'))
      }
    }
  })
})

describe('over 500 simulated conversations, the quality score', () => {
  const scored = Array.from({ length: 500 }, (_, i) => {
    const grounded = i % 5 === 0
    const c = simulatedConversation(request(ask(i, { grounded, edgeCase: i % 7 === 0 ? 'The customer asks for a manager.' : undefined })))
    const source = grounded ? { context: CHUNK, dimensions: null } : undefined
    return { ...c, grounded, ...scoreQuality({ turns: c.turns, minTurns: 4, maxTurns: 8, others: [], source }) }
  })
  const scores = scored.map((s) => s.score)
  const share = (keep: (score: number) => boolean) => scores.filter(keep).length / scores.length

  test('spreads like real output: most between 6 and 9.5, a share below 7, a few perfect', () => {
    console.info(
      'simulated quality:',
      ['<6', '6–7', '7–8', '8–9', '9–10', '10'].map(
        (label, i) => `${label} ${share((s) => (i === 5 ? s === 10 : s >= [0, 6, 7, 8, 9, 10][i]! && s < [6, 7, 8, 9, 10, 10][i]!))}`,
      ),
    )
    expect(share((s) => s >= 6 && s < 9.5)).toBeGreaterThan(0.6)
    expect(share((s) => s < 7)).toBeGreaterThan(0.05)
    expect(share((s) => s < 6)).toBeGreaterThan(0.01)
    expect(share((s) => s === 10)).toBeGreaterThan(0.02)
    expect(share((s) => s === 10)).toBeLessThan(0.15)
  })

  test('every fault kind occurs, and each costs the part of the score that looks for it', () => {
    const mean = (fault: Fault | 'none', part: keyof QualityParts, only = (s: (typeof scored)[number]) => s.faults.includes(fault as Fault)) => {
      const values = scored.filter(fault === 'none' ? (s) => s.faults.length === 0 : only).map((s) => s.parts[part] ?? 0)
      return values.reduce((a, b) => a + b, 0) / values.length
    }
    for (const fault of FAULTS) expect(scored.filter((s) => s.faults.includes(fault)).length, fault).toBeGreaterThan(10)
    expect(mean('none', 'length_balance')).toBeGreaterThan(9)
    expect(mean('too_short', 'length_balance')).toBeLessThan(7)
    expect(mean('assistant_dominates', 'length_balance')).toBeLessThan(7)
    expect(mean('user_dominates', 'length_balance')).toBeLessThan(4)
    expect(mean('none', 'repetition')).toBeGreaterThan(9)
    expect(mean('repetitive', 'repetition')).toBeLessThan(7)
    expect(mean('prompt_leakage', 'leakage')).toBeLessThan(7)
    expect(mean('ends_with_user', 'structure')).toBe(7)
    const grounded = (fault: boolean) => (s: (typeof scored)[number]) => s.grounded && s.faults.includes('off_topic') === fault
    expect(mean('off_topic', 'grounding', grounded(true))).toBeLessThan(mean('off_topic', 'grounding', grounded(false)) - 2)
  })
})

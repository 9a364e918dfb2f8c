import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest'
import { DIMENSION_SYSTEM_PROMPT, DIMENSION_TOOL_NAME, dimensionPrompt, dimensionTool } from '../src/chunks/dimension-tool'
import { DimensionAnalysis } from '../src/chunks/dimensions'
import { simulateDimensionAnalysis } from '../src/chunks/simulated-dimensions'
import { type ClaudeMessage, type ClaudeMessageParams, type ClaudeOptions, classifyClaudeError, createClaude } from '../src/claude/client'
import { ConversationOutput, conversationTool, conversationToolChoice } from '../src/claude/conversation-tool'
import { simulateMessage } from '../src/claude/simulator'
import { type FakeAnthropic, startFakeAnthropic } from './fake-anthropic/server'

const API_KEY = 'sk-ant-test-0123456789'
let fake: FakeAnthropic

beforeAll(async () => {
  fake = await startFakeAnthropic()
})
afterAll(() => fake.close())
beforeEach(() => fake.reset())

function realClaude(extra: Partial<ClaudeOptions> = {}) {
  return createClaude({ apiKey: API_KEY, baseURL: fake.url, maxRetries: 0, ...extra })
}

function conversationRequest(
  system: string,
  ask = 'Write a conversation between a worried traveller and an airline agent about a lost suitcase.',
): ClaudeMessageParams {
  return {
    model: 'claude-haiku-4-5',
    max_tokens: 2048,
    system: [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }],
    tools: [conversationTool],
    tool_choice: conversationToolChoice,
    messages: [{ role: 'user', content: ask }],
  }
}

function toolInput(message: ClaudeMessage): unknown {
  const block = message.content[0]
  return block?.type === 'tool_use' ? block.input : undefined
}

async function failureOf(call: Promise<unknown>) {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeDefined()
  return classifyClaudeError(err)
}

test('a generated conversation arrives as a record_conversation call that passes ConversationOutput', async () => {
  const message = await realClaude().createMessage(conversationRequest('You write customer support dialogues.'))

  expect(message.stop_reason).toBe('tool_use')
  expect(message.content).toHaveLength(1)
  expect(message.content[0]).toMatchObject({ type: 'tool_use', name: 'record_conversation', id: expect.stringMatching(/^toolu_/) })
  const conversation = ConversationOutput.parse(toolInput(message))
  expect(conversation.turns.length % 2).toBe(0)
  expect(conversation.turns.length).toBeGreaterThanOrEqual(4)
  expect(conversation.turns.length).toBeLessThanOrEqual(8)
  expect(JSON.stringify(conversation)).toMatch(/suitcase|airline|traveller|worried|lost|agent/)
})

test('the second call with the same cached system prompt reads the cache instead of writing it', async () => {
  const claude = realClaude()
  const request = conversationRequest('You write long, careful dialogues about travel mishaps.')
  const first = await claude.createMessage(request)
  const second = await claude.createMessage(request)

  expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0)
  expect(first.usage.cache_read_input_tokens).toBe(0)
  expect(second.usage.cache_creation_input_tokens).toBe(0)
  expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens)
  expect(second.usage.input_tokens).toBe(first.usage.input_tokens)
  expect(second.usage.output_tokens).toBeGreaterThan(0)
})

test('the fake server records requests with the API key redacted', async () => {
  await realClaude().countTokens({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Hello there' }] })

  expect(fake.requestCount).toBe(1)
  expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v1/messages/count_tokens' })
  expect(fake.requests[0]?.headers.authorization).toBe('[redacted]')
  expect(JSON.stringify(fake.requests)).not.toContain(API_KEY)
})

test('a 429 with retry-after is classified as rate_limited with the wait in milliseconds', async () => {
  fake.enqueue({ kind: 'rate_limit', retryAfterSeconds: 7 })
  const failure = await failureOf(realClaude().createMessage(conversationRequest('Rate limited prompt.')))

  expect(failure).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 7000 })
  expect(failure.message).toContain('7 seconds')
})

test('a 529 is classified as overloaded and retryable', async () => {
  fake.enqueue({ kind: 'overloaded' })
  const failure = await failureOf(realClaude().createMessage(conversationRequest('Overloaded prompt.')))

  expect(failure).toMatchObject({ code: 'overloaded', retryable: true })
})

test('a 500 is classified as server_error and retryable', async () => {
  fake.enqueue({ kind: 'server_error' })
  const failure = await failureOf(realClaude().createMessage(conversationRequest('Server error prompt.')))

  expect(failure).toMatchObject({ code: 'server_error', retryable: true })
})

test('a reply slower than timeoutMs is classified as a timeout', async () => {
  fake.enqueue({ kind: 'slow', delayMs: 2000 })
  const started = Date.now()
  const failure = await failureOf(realClaude({ timeoutMs: 150 }).createMessage(conversationRequest('Slow prompt.')))

  expect(failure).toMatchObject({ code: 'timeout', retryable: true })
  expect(Date.now() - started).toBeLessThan(1500)
})

test('a slow reply within the timeout still succeeds', async () => {
  fake.enqueue({ kind: 'slow', delayMs: 100 })
  const message = await realClaude({ timeoutMs: 5000 }).createMessage(conversationRequest('Patient prompt.'))

  expect(ConversationOutput.safeParse(toolInput(message)).success).toBe(true)
})

test('malformed model output fails ConversationOutput', async () => {
  fake.enqueue({ kind: 'malformed' })
  const message = await realClaude().createMessage(conversationRequest('Malformed prompt.'))

  expect(message.stop_reason).toBe('tool_use')
  expect(ConversationOutput.safeParse(toolInput(message)).success).toBe(false)
})

test('a text answer instead of the tool call has no tool input to validate', async () => {
  fake.enqueue({ kind: 'text_instead_of_tool' })
  const message = await realClaude().createMessage(conversationRequest('Chatty prompt.'))

  expect(message.stop_reason).toBe('end_turn')
  expect(message.content[0]?.type).toBe('text')
  expect(toolInput(message)).toBeUndefined()
})

test('a request without an API key header is refused with 401 and classified as auth', async () => {
  const failure = await failureOf(realClaude().createMessage(conversationRequest('No key prompt.'), { headers: { authorization: null } }))

  expect(failure).toMatchObject({ code: 'auth', retryable: false })
  expect(failure.message).not.toContain(API_KEY)
})

test("the SDK's own retry gets through a single 529 to success", async () => {
  fake.enqueue({ kind: 'overloaded' })
  const message = await realClaude({ maxRetries: 2 }).createMessage(conversationRequest('Retry prompt.'))

  expect(ConversationOutput.safeParse(toolInput(message)).success).toBe(true)
  expect(fake.requestCount).toBe(2)
})

test('faults can be queued over HTTP by another process', async () => {
  const queued = await fetch(`${fake.url}/_fake/faults`, {
    method: 'POST',
    body: JSON.stringify([{ kind: 'rate_limit', retryAfterSeconds: 3 }, { kind: 'server_error' }]),
  })
  expect(queued.status).toBe(200)
  const claude = realClaude()

  expect(await failureOf(claude.createMessage(conversationRequest('HTTP fault 1.')))).toMatchObject({ code: 'rate_limited', retryAfterMs: 3000 })
  expect(await failureOf(claude.createMessage(conversationRequest('HTTP fault 2.')))).toMatchObject({ code: 'server_error' })
  const seen = await (await fetch(`${fake.url}/_fake/requests`)).json()
  expect(seen).toMatchObject({ count: 2 })
})

test('an unknown API path gets a 404 in the Anthropic error format', async () => {
  const response = await fetch(`${fake.url}/v1/nothing-here`, { method: 'POST', headers: { 'x-api-key': API_KEY }, body: '{}' })

  expect(response.status).toBe(404)
  expect(response.headers.get('request-id')).toMatch(/^req_/)
  expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } })
})

test('without an API key the simulator answers with a valid conversation', async () => {
  const claude = createClaude({})
  const message = await claude.createMessage(conversationRequest('Simulated support dialogues.'))

  expect(claude.simulated).toBe(true)
  expect(message.id).toMatch(/^msg_/)
  expect(ConversationOutput.safeParse(toolInput(message)).success).toBe(true)
  expect(fake.requestCount).toBe(0)
})

test('the simulator is deterministic for a prompt and varies between prompts', async () => {
  const claude = createClaude({})
  const ask = (topic: string) => conversationRequest('Determinism check.', `Write a conversation about ${topic}.`)
  const first = toolInput(await claude.createMessage(ask('repotting a fiddle leaf fig')))
  const again = toolInput(await claude.createMessage(ask('repotting a fiddle leaf fig')))
  const other = toolInput(await claude.createMessage(ask('negotiating a salary raise')))

  expect(again).toEqual(first)
  expect(other).not.toEqual(first)
  expect(JSON.stringify(other)).toMatch(/negotiating|salary|raise/)
})

test('the simulator answers with text when no tool is offered', async () => {
  const message = await createClaude({}).createMessage({
    model: 'claude-haiku-4-5',
    max_tokens: 256,
    messages: [{ role: 'user', content: 'Give me one tip about sourdough starters.' }],
  })

  expect(message.stop_reason).toBe('end_turn')
  expect(message.content[0]?.type).toBe('text')
})

test('the simulator refuses a malformed request with 400, classified as claude_bad_request', async () => {
  const failure = await failureOf(createClaude({}).createMessage({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [] }))

  expect(failure).toMatchObject({ code: 'claude_bad_request', retryable: false })
  expect(failure.message).toContain('messages')
})

test('the simulated response has the shape of the SDK Message type', () => {
  // Compile-time check: the wire body must be assignable to the SDK's own type.
  const wire: ClaudeMessage = simulateMessage(conversationRequest('Type check.'))
  expect(Object.keys(wire).sort()).toEqual(
    ['container', 'content', 'diagnostics', 'id', 'model', 'role', 'stop_details', 'stop_reason', 'stop_sequence', 'type', 'usage'].sort(),
  )
})

test('count_tokens works against the fake server and the simulator', async () => {
  const params = { model: 'claude-haiku-4-5', messages: [{ role: 'user' as const, content: 'x'.repeat(400) }] }

  expect(await realClaude().countTokens(params)).toBeGreaterThanOrEqual(100)
  expect(await createClaude({}).countTokens(params)).toBeGreaterThanOrEqual(100)
})

test('the Message Batches API: a batch is created, reports in progress, then ended, and its results match by custom_id', async () => {
  fake.setBatchProcessing(300)
  const claude = realClaude()
  const created = await claude.createMessageBatch([
    { custom_id: 'first', params: conversationRequest('You write customer support dialogues.') },
    { custom_id: 'second', params: conversationRequest('You write customer support dialogues.', 'Write a conversation about a refund.') },
  ])
  expect(created).toMatchObject({ type: 'message_batch', processing_status: 'in_progress', results_url: null, request_counts: { processing: 2 } })
  expect(created.id).toMatch(/^msgbatch_/)
  await expect(claude.messageBatchResults(created.id)).rejects.toThrow(/results_url/)
  await new Promise((resolve) => setTimeout(resolve, 350))
  const ended = await claude.retrieveMessageBatch(created.id)
  expect(ended).toMatchObject({ processing_status: 'ended', request_counts: { succeeded: 2, processing: 0 } })
  const results = []
  for await (const item of await claude.messageBatchResults(created.id)) results.push(item)
  expect(results.map((r) => r.custom_id)).toEqual(['first', 'second'])
  for (const { result } of results) {
    expect(result.type).toBe('succeeded')
    if (result.type === 'succeeded') ConversationOutput.parse(toolInput(result.message))
  }
  await expect(claude.retrieveMessageBatch('msgbatch_unknown')).rejects.toMatchObject({ status: 404 })
})

test('in a Message Batch, queued faults become that request’s error, and cancelling an unfinished batch cancels its requests', async () => {
  const claude = realClaude()
  fake.enqueue({ kind: 'overloaded' })
  const batch = await claude.createMessageBatch([
    { custom_id: 'a', params: conversationRequest('You write customer support dialogues.') },
    { custom_id: 'b', params: conversationRequest('You write customer support dialogues.') },
  ])
  const types = []
  for await (const item of await claude.messageBatchResults(batch.id)) types.push(`${item.custom_id}:${item.result.type}`)
  expect(types).toEqual(['a:errored', 'b:succeeded'])

  fake.setBatchProcessing(60_000)
  const long = await claude.createMessageBatch([{ custom_id: 'c', params: conversationRequest('You write customer support dialogues.') }])
  const cancelled = await claude.cancelMessageBatch(long.id)
  expect(cancelled).toMatchObject({ processing_status: 'ended', request_counts: { canceled: 1 } })
  expect(cancelled.cancel_initiated_at).not.toBeNull()
})

test('without an API key the simulator answers the Message Batches API in-process', async () => {
  const claude = createClaude({})
  const batch = await claude.createMessageBatch([{ custom_id: 'only', params: conversationRequest('You write customer support dialogues.') }])
  expect(batch.processing_status).toBe('ended')
  const results = []
  for await (const item of await claude.messageBatchResults(batch.id)) results.push(item)
  expect(results).toHaveLength(1)
  expect(results[0]!.result.type).toBe('succeeded')
})

test('the simulator writes as many turns as the prompt asks for, mostly ending with the assistant when the range allows it', () => {
  const ranges: Array<[number, number]> = [
    [2, 2],
    [2, 6],
    [3, 5],
    [3, 3],
    [10, 14],
    [4, 8],
  ]
  const endings: string[] = []
  for (const [min, max] of ranges) {
    for (let i = 0; i < 20; i++) {
      const ask = `A customer asks about refund number ${i}.\n\nWrite between ${min} and ${max} turns in total, alternating user and assistant, starting with the user.`
      const input = toolInput(simulateMessage(conversationRequest('You write support chats.', ask)))
      const parsed = ConversationOutput.parse(input)
      expect(parsed.turns.length, `${min}–${max}`).toBeGreaterThanOrEqual(min)
      expect(parsed.turns.length, `${min}–${max}`).toBeLessThanOrEqual(max)
      if (min !== max || min % 2 === 0) endings.push(parsed.turns.at(-1)!.role)
    }
  }
  // Ending on the user is one of the faults the simulator writes now and then (test/simulator.test.ts).
  expect(endings.filter((role) => role === 'assistant').length / endings.length).toBeGreaterThan(0.8)
})

test('the simulator answers the dimension tool with the passage’s own deterministic scores, in process and over HTTP', async () => {
  const passage = 'Reset your password from the sign-in page; two-factor verification protects administrator accounts.'
  const params: ClaudeMessageParams = {
    model: 'claude-haiku-4-5',
    max_tokens: 2048,
    system: [{ type: 'text', text: DIMENSION_SYSTEM_PROMPT, cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: dimensionPrompt({ text: passage, heading_path: ['Account'], document_title: 'Help centre' }) }],
    tools: [dimensionTool],
    tool_choice: { type: 'tool', name: DIMENSION_TOOL_NAME },
  }
  for (const claude of [createClaude({}), realClaude()]) {
    const message = await claude.createMessage(params)
    expect(message.stop_reason).toBe('tool_use')
    const call = message.content.find((block) => block.type === 'tool_use')
    expect(call?.type === 'tool_use' && call.name).toBe(DIMENSION_TOOL_NAME)
    expect(DimensionAnalysis.parse(call?.type === 'tool_use' ? call.input : null)).toEqual(simulateDimensionAnalysis(passage))
  }
})

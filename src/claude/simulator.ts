import { createHash, randomBytes } from 'node:crypto'
import { z } from 'zod'
import { DIMENSION_TOOL_NAME, passageOf } from '../chunks/dimension-tool'
import { simulateDimensionAnalysis } from '../chunks/simulated-dimensions'
import { sourceTextIn } from '../generation/grounding'
import { GROUNDING_JUDGE_TOOL_NAME, simulateGroundingJudgement } from '../generation/grounding-judge-tool'
import { seededRandom } from '../random'
import { CONVERSATION_TOOL_NAME, type ConversationTurn } from './conversation-tool'
import { type ConversationBrief, emotionWordIn, shuffle, type WrittenConversation, writeConversation } from './simulated-conversation'

/**
 * A stand-in for the Messages API, used when no ANTHROPIC_API_KEY is set and by the fake server in
 * tests. It speaks the real wire format so the real SDK runs against it unchanged; answers are
 * deterministic from the prompt so the same template gives the same conversation.
 */

// Loose on purpose: the simulator checks what it needs and ignores what it doesn't understand.
const CacheControl = z.looseObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() })
const SystemBlock = z.looseObject({ type: z.literal('text'), text: z.string(), cache_control: CacheControl.nullish() })
const ContentBlock = z.looseObject({ type: z.string(), text: z.string().optional(), cache_control: CacheControl.nullish() })
const MessageParam = z.looseObject({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(ContentBlock)]),
})
const CountTokensRequest = z.looseObject({
  model: z.string().min(1),
  system: z.union([z.string(), z.array(SystemBlock)]).optional(),
  messages: z.array(MessageParam).min(1),
  tools: z.array(z.looseObject({ name: z.string().min(1) })).optional(),
  tool_choice: z.looseObject({ type: z.string(), name: z.string().optional() }).optional(),
})
const MessagesRequest = CountTokensRequest.extend({ max_tokens: z.number().int().min(0) })

type CountTokensRequest = z.infer<typeof CountTokensRequest>
type MessagesRequest = z.infer<typeof MessagesRequest>

type TextContent = { type: 'text'; text: string; citations: null }
type ToolUseContent = { type: 'tool_use'; id: string; name: string; input: unknown; caller: { type: 'direct' } }

/** A Messages API response body, with every field the SDK's `Message` type declares. */
export type SimulatedMessage = {
  id: string
  type: 'message'
  role: 'assistant'
  model: string
  content: Array<TextContent | ToolUseContent>
  stop_reason: 'end_turn' | 'tool_use' | 'max_tokens'
  stop_sequence: null
  stop_details: null
  container: null
  diagnostics: null
  usage: {
    input_tokens: number
    output_tokens: number
    cache_creation_input_tokens: number
    cache_read_input_tokens: number
    cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number }
    service_tier: 'standard'
    inference_geo: null
    output_tokens_details: null
    server_tool_use: null
    speed: null
  }
}

export type ApiErrorBody = { type: 'error'; error: { type: string; message: string } }

/** Thrown for a request the real API would refuse with 400 invalid_request_error. */
export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError'
}

export function apiErrorBody(type: string, message: string): ApiErrorBody {
  return { type: 'error', error: { type, message } }
}

/** Ids shaped like the API's: a prefix, `_01`, then base62. */
export function newId(prefix: 'msg' | 'toolu' | 'req'): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
  const suffix = Array.from(randomBytes(22), (byte) => alphabet[byte % alphabet.length]).join('')
  return `${prefix}_01${suffix}`
}

export function simulateMessage(body: unknown, opts: { reply?: 'auto' | 'text' } = {}): SimulatedMessage {
  const request = parse(MessagesRequest, body)
  const dimensions = opts.reply !== 'text' && offersTool(request, DIMENSION_TOOL_NAME)
  const judge = opts.reply !== 'text' && offersTool(request, GROUNDING_JUDGE_TOOL_NAME)
  const usesTool = dimensions || judge || (opts.reply !== 'text' && offersTool(request, CONVERSATION_TOOL_NAME))
  const content: SimulatedMessage['content'] =
    request.max_tokens === 0
      ? []
      : dimensions
        ? [dimensionToolUse(request)]
        : judge
          ? [groundingJudgeToolUse(request)]
          : usesTool
            ? [conversationToolUse(request)]
            : [{ type: 'text', text: simulateText(request), citations: null }]
  const cache = promptCacheUsage(request)
  return {
    id: newId('msg'),
    type: 'message',
    role: 'assistant',
    model: request.model,
    content,
    stop_reason: request.max_tokens === 0 ? 'max_tokens' : usesTool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: estimateTokens(inputText(request)) - cache.created - cache.read,
      output_tokens: content.length === 0 ? 0 : estimateTokens(JSON.stringify(content)),
      cache_creation_input_tokens: cache.created,
      cache_read_input_tokens: cache.read,
      cache_creation: {
        ephemeral_5m_input_tokens: cache.ttl === '5m' ? cache.created : 0,
        ephemeral_1h_input_tokens: cache.ttl === '1h' ? cache.created : 0,
      },
      service_tier: 'standard',
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      speed: null,
    },
  }
}

function conversationToolUse(request: MessagesRequest): ToolUseContent {
  const input = simulateConversation(request)
  return { type: 'tool_use', id: newId('toolu'), name: CONVERSATION_TOOL_NAME, input, caller: { type: 'direct' } }
}

/** Dimension analysis answers with the scores the simulator derives from the passage alone. */
function dimensionToolUse(request: MessagesRequest): ToolUseContent {
  const lastUser = request.messages.findLast((m) => m.role === 'user')
  const input = simulateDimensionAnalysis(passageOf(lastUser ? messageText(lastUser.content) : ''))
  return { type: 'tool_use', id: newId('toolu'), name: DIMENSION_TOOL_NAME, input, caller: { type: 'direct' } }
}

export function simulateCountTokens(body: unknown): { input_tokens: number } {
  return { input_tokens: estimateTokens(inputText(parse(CountTokensRequest, body))) }
}

/** Routes one API call to the simulator; shared by the in-process fetch and the fake HTTP server. */
export function answerSimulated(
  method: string,
  pathname: string,
  bodyText: string,
  opts: { reply?: 'auto' | 'text' } = {},
): { status: number; body: SimulatedMessage | { input_tokens: number } | ApiErrorBody } {
  const isMessages = pathname.endsWith('/v1/messages')
  const isCountTokens = pathname.endsWith('/v1/messages/count_tokens')
  if (method !== 'POST' || !(isMessages || isCountTokens)) {
    return { status: 404, body: apiErrorBody('not_found_error', `There is no ${method} ${pathname} endpoint.`) }
  }
  let body: unknown
  try {
    body = JSON.parse(bodyText)
  } catch {
    return { status: 400, body: apiErrorBody('invalid_request_error', 'The request body is not valid JSON.') }
  }
  try {
    return { status: 200, body: isMessages ? simulateMessage(body, opts) : simulateCountTokens(body) }
  } catch (err) {
    if (!(err instanceof InvalidRequestError)) throw err
    return { status: 400, body: apiErrorBody('invalid_request_error', err.message) }
  }
}

/** Forgets which system prompts were cached, so the next call reports a cache write again. */
export function resetPromptCache(): void {
  seenCachePrefixes.clear()
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
  throw new InvalidRequestError(problems.join('; '))
}

function offersTool(request: MessagesRequest, name: string): boolean {
  if (request.tool_choice?.type === 'none') return false
  return request.tool_choice?.name === name || (request.tools ?? []).some((tool) => tool.name === name)
}

// Token usage: roughly four characters a token, which is close enough for cost estimates.

/** The grounding judge answers with the heuristic grounding score of the transcript against the source. */
function groundingJudgeToolUse(request: MessagesRequest): ToolUseContent {
  const lastUser = request.messages.findLast((m) => m.role === 'user')
  const input = simulateGroundingJudgement(lastUser ? messageText(lastUser.content) : '')
  return { type: 'tool_use', id: newId('toolu'), name: GROUNDING_JUDGE_TOOL_NAME, input, caller: { type: 'direct' } }
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4))
}

function systemBlocks(request: CountTokensRequest): Array<{ text: string; cached: boolean; ttl: '5m' | '1h' }> {
  const system = request.system ?? []
  if (typeof system === 'string') return [{ text: system, cached: false, ttl: '5m' }]
  return system.map((block) => ({
    text: block.text,
    cached: Boolean(block.cache_control),
    ttl: block.cache_control?.ttl ?? '5m',
  }))
}

function messageText(content: string | Array<{ type: string; text?: string }>): string {
  if (typeof content === 'string') return content
  return content.map((block) => block.text ?? JSON.stringify(block)).join('\n')
}

function inputText(request: CountTokensRequest): string {
  return [
    request.tools ? JSON.stringify(request.tools) : '',
    ...systemBlocks(request).map((block) => block.text),
    ...request.messages.map((message) => messageText(message.content)),
  ].join('\n')
}

// Like the real cache, a prefix runs from the tools through a block marked for caching (in the
// system prompt or a message), per model. The longest prefix seen before is read; the rest up to
// the last marked block is written.
const seenCachePrefixes = new Set<string>()
const MAX_REMEMBERED_PREFIXES = 1000

function promptCacheUsage(request: MessagesRequest): { created: number; read: number; ttl: '5m' | '1h' } {
  const blocks = [
    ...systemBlocks(request),
    ...request.messages.flatMap((message) =>
      typeof message.content === 'string'
        ? [{ text: message.content, cached: false, ttl: '5m' as const }]
        : message.content.map((block) => ({
            text: block.text ?? JSON.stringify(block),
            cached: Boolean(block.cache_control),
            ttl: block.cache_control?.ttl ?? '5m',
          })),
    ),
  ]
  const marked = blocks.flatMap((block, i) => (block.cached ? [i] : []))
  const last = marked.at(-1)
  if (last === undefined) return { created: 0, read: 0, ttl: '5m' }
  const prefixes = marked.map((end) => {
    const prefix = [request.tools ? JSON.stringify(request.tools) : '', ...blocks.slice(0, end + 1).map((block) => block.text)].join('\n')
    return { tokens: estimateTokens(prefix), key: createHash('sha256').update(`${request.model}\n${prefix}`).digest('hex') }
  })
  const hit = prefixes.findLast((prefix) => seenCachePrefixes.has(prefix.key))
  if (seenCachePrefixes.size >= MAX_REMEMBERED_PREFIXES) seenCachePrefixes.clear()
  for (const prefix of prefixes) seenCachePrefixes.add(prefix.key)
  const read = hit?.tokens ?? 0
  return { created: prefixes.at(-1)!.tokens - read, read, ttl: blocks[last]!.ttl }
}

// Content: sentences from templates, filled with phrases of the prompt and picked by a generator
// seeded from the prompt, so output varies between prompts but never between runs.

/** Noun phrases from the prompt, such as "the delayed refund"; each slot reads after "about". */
type Words = { topic: string; detail: string; extra: string; other: string }
type Template = (w: Words) => string

const TEXT_ANSWERS: Template[] = [
  (w) => `Here's how I'd approach ${w.topic}: start with ${w.detail}, keep an eye on ${w.extra}, and adjust as you learn more.`,
  (w) => `The key to ${w.topic} is usually ${w.detail}. Once that is in place, ${w.extra} tends to follow.`,
  (w) => `Good question. ${capitalize(w.detail)} matters most here; ${w.extra} is worth a look after that.`,
]

function simulateConversation(request: MessagesRequest): { title: string; turns: ConversationTurn[] } {
  const { title, turns } = writtenConversation(request)
  return { title, turns }
}

/** The conversation the simulator writes for a Messages API request, with the faults it was given (for tests). */
export function simulatedConversation(body: unknown): WrittenConversation {
  return writtenConversation(parse(MessagesRequest, body))
}

function writtenConversation(request: MessagesRequest): WrittenConversation {
  return writeConversation(briefOf(request), seededRandom(seedText(request)))
}

/**
 * What the prompt asks for, read the way the app writes prompts (src/generation/inputs.ts): the
 * scenario's "- field: value" lines, an "Edge case …: description" line, the turn range, the source
 * block; and for a template that puts persona, emotion or topic into its own sentence, a best guess
 * from that sentence.
 */
function briefOf(request: MessagesRequest): ConversationBrief {
  const lastUser = request.messages.findLast((message) => message.role === 'user')
  const prompt = lastUser ? messageText(lastUser.content) : ''
  const source = sourceTextIn(prompt)
  const asked = source === undefined ? prompt : prompt.slice(prompt.lastIndexOf('</source_text>') + '</source_text>'.length)
  const field = (name: string) => new RegExp(`^- ${name}: (.+)$`, 'm').exec(asked)?.[1]?.trim()
  const guess = (re: RegExp) => re.exec(asked)?.[1]?.trim()
  const system = systemBlocks(request)
    .map((block) => block.text)
    .join('\n')
  const range = askedTurnRange(prompt) ?? { min: 4, max: 8 }
  const topic =
    field('topic') ??
    guess(/\b(?:about|regarding|with|on) ((?:(?!\band\b|\bwho\b)[^.,;\n])+)/i) ??
    subjectMatter(`${asked}\n${system}`).phrases[0] ??
    'the question'
  return {
    persona: field('persona') ?? guess(/\b(?:between|from|by|as) (?:an? |the )?((?:(?!\bwho\b|\band\b)[^.,;\n]){3,40}?) who\b/i) ?? '',
    emotion: field('emotion') ?? guess(/\bwho (?:feels|is|sounds) ([\p{L} -]+?)(?:\s+(?:and|about|with)\b|[.,;\n])/iu) ?? emotionWordIn(asked) ?? '',
    topic,
    edgeCase: guess(/^Edge case[^:\n]*: (.+)$/m),
    purpose: system.split(/(?<=[.!?])\s/)[0],
    source,
    minTurns: range.min,
    maxTurns: range.max,
  }
}

/** The range the prompt asks for ("between 2 and 6 turns", as the app's prompts say), if it names one. */
function askedTurnRange(prompt: string): { min: number; max: number } | undefined {
  const match = /between (\d+) and (\d+) turns/i.exec(prompt)
  if (!match) return undefined
  const [min, max] = [Number(match[1]), Number(match[2])]
  return min >= 1 && min <= max ? { min, max } : undefined
}

/** Everything the model would read, so any change of prompt, values or source gives another conversation. */
function seedText(request: MessagesRequest): string {
  const system = systemBlocks(request)
    .map((block) => block.text)
    .join('\n')
  return `${system}\n${request.messages.map((message) => messageText(message.content)).join('\n')}`
}

function simulateText(request: MessagesRequest): string {
  const { random, words } = seedFromPrompt(request)
  return pick(random, TEXT_ANSWERS)(words)
}

const DETERMINERS = new Set('a an the my your our their his her this that some'.split(' '))
// Words that end a noun phrase or carry no subject matter: function words, common verbs, and the
// vocabulary of generation instructions themselves.
const NOT_SUBJECT_MATTER = new Set(
  (
    'about above after again also and are as asks assistant at be because been before being below between both ' +
    'but by calls comes complains contacts conversation conversations could describes dialog dialogue dialogues ' +
    'discusses does doing down during each even every explains exchange feels for format from generate ' +
    'generated gets goes had has have having help here how include into involving is json just keeps learns like ' +
    'looks make makes many message messages more most much must natural needs of on or other output over ' +
    'please reaches realistic record same says seeks should so some speaker speakers style such takes talks ' +
    'than that their them then there these they this those through to tone tool tries turn turns under until ' +
    'user using very wants was were what when where which while who will with wonders would write writes ' +
    'your yours persona emotion topic keep need want give tell know'
  ).split(' '),
)
const FALLBACK_PHRASES = ['the plan', 'the details', 'the timeline', 'the next step']

function seedFromPrompt(request: MessagesRequest): { random: () => number; words: Words } {
  const lastUser = request.messages.findLast((message) => message.role === 'user')
  const system = systemBlocks(request)
    .map((block) => block.text)
    .join('\n')
  const random = seededRandom(seedText(request))
  // The request's own words come first: they name what this conversation is about.
  const { phrases, keywords } = subjectMatter(`${lastUser ? messageText(lastUser.content) : ''}\n${system}`)
  const chosen = [...shuffle(random, phrases.slice(0, 6)), ...shuffle(random, keywords.slice(0, 6)), ...FALLBACK_PHRASES]
  const [topic = 'the plan', detail = 'the details', extra = 'the timeline', other = 'the next step'] = chosen
  return { random, words: { topic, detail, extra, other } }
}

/**
 * Phrases that follow a determiner ("a delayed refund" becomes "the delayed refund"), then any other
 * content words. A crude heuristic, but it makes the simulated sentences read naturally.
 */
function subjectMatter(text: string): { phrases: string[]; keywords: string[] } {
  const tokens = text.match(/[\p{L}\p{N}'-]+|[^\s\p{L}\p{N}'-]/gu) ?? []
  const isContent = (token: string) => /^\p{L}/u.test(token) && !NOT_SUBJECT_MATTER.has(token.toLowerCase())
  const phrases = new Set<string>()
  tokens.forEach((token, i) => {
    if (!DETERMINERS.has(token.toLowerCase())) return
    const words: string[] = []
    for (const next of tokens.slice(i + 1, i + 4)) {
      if (!isContent(next)) break
      words.push(next)
    }
    if (words.length > 0) phrases.add(`the ${words.join(' ')}`)
  })
  const inPhrases = new Set([...phrases].flatMap((phrase) => phrase.toLowerCase().split(' ')))
  const keywords = tokens
    .filter((token) => isContent(token) && token.length >= 4 && !/(ly|ed|ing)$/i.test(token))
    .map((token) => token.toLowerCase())
    .filter((word) => !inPhrases.has(word))
  return { phrases: [...phrases], keywords: [...new Set(keywords)] }
}

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)]
  if (item === undefined) throw new Error('pick() needs a non-empty list')
  return item
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

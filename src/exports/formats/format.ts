import type { ExportFormat } from '../../db/schema'

/** One conversation as the export reads it: the turns, and the metadata when the export carries it. */
export type ExportRecord = {
  id: string
  title: string
  system_prompt: string
  /** As stored; a format validates the shape before trusting it. */
  turns: unknown
  /** Built by Postgres only when the format writes metadata and the export asks for it; null otherwise. */
  metadata: RecordMetadata | null
}

/** What metadata-carrying formats write about a conversation (JSON shape, as Postgres builds it). */
export type RecordMetadata = {
  title: string
  status: string
  tier: string
  template: { id: string; name: string | null; version: number | null } | null
  scenario: { id: string; name: string | null } | null
  edge_case_id: string | null
  batch_id: string | null
  persona: string
  emotion: string
  topic: string
  quality: { score: number | null; parts: Record<string, number> | null }
  review_history: ReviewEntry[]
  tokens: { input: number; output: number }
  cost_usd: number
  model: string | null
  simulated: boolean
  created_at: string
  /** The chunk it is grounded in now (null when none or gone). */
  parent_chunk_id: string | null
  /** Where its source text came from, kept in chunk_context even after the chunk goes; null when not grounded. */
  document_id: string | null
  document_title: string | null
  heading_path: string[] | null
}

export type ReviewEntry = {
  action: string
  from_status: string
  to_status: string
  reasons: string[]
  comment: string
  reviewer: string | null
  at: string
}

export type WriteOptions = {
  include_metadata: boolean
  include_system_prompt: boolean
}

/** A record either becomes text (with its estimated token count) or is refused with the reasons. */
export type RecordResult = { text: string; tokens: number } | { problems: string[] }

/** What a file of one format says about itself once written, beyond the per-record problems. */
export type FileSummary = { count: number; largestTokens: number }

/**
 * A format writer: a file is header + record (separator record)* + footer. Writers are pure
 * functions of the record, so the same code serves the preview and the streamed file.
 */
export type FormatWriter = {
  format: ExportFormat
  label: string
  extension: string
  contentType: string
  /** The text before the first record (a BOM and header row, "[", a title…). */
  header: (options: WriteOptions) => string
  separator: string
  footer: string
  record: (record: ExportRecord, options: WriteOptions) => RecordResult
  /** Format-level advice for the report (the platform's minimum examples, the largest example…). */
  warnings?: (summary: FileSummary) => string[]
  /** Whether this format reads the metadata columns and review history at all. */
  usesMetadata: boolean
}

/** The framing every JSON Lines format shares: one record per line, a newline after the last. */
export const JSONL = {
  extension: 'jsonl',
  contentType: 'application/jsonl; charset=utf-8',
  header: () => '',
  separator: '\n',
  footer: '\n',
} as const satisfies Pick<FormatWriter, 'extension' | 'contentType' | 'header' | 'separator' | 'footer'>

export type ChatTurn = { role: string; content: string; [key: string]: unknown }

/**
 * Rough token count (about four characters a token, plus a few per message), the same estimate
 * the platforms' own cookbooks use before a real tokenizer is at hand.
 */
export function estimateTokens(messages: { content: string }[]): number {
  let tokens = 3
  for (const message of messages) tokens += 4 + Math.ceil(message.content.length / 4)
  return tokens
}

/** The stored turns as a list of objects with a string role and content, or why not. */
export function readTurns(turns: unknown): { turns: ChatTurn[] } | { problems: string[] } {
  if (!Array.isArray(turns) || turns.length === 0) return { problems: ['has no turns'] }
  const problems: string[] = []
  turns.forEach((turn: unknown, i) => {
    if (typeof turn !== 'object' || turn === null || Array.isArray(turn)) problems.push(`turn ${i + 1} is not an object`)
    else if (typeof (turn as ChatTurn).role !== 'string') problems.push(`turn ${i + 1} has no role`)
    else if (typeof (turn as ChatTurn).content !== 'string') problems.push(`turn ${i + 1} has no text content`)
  })
  return problems.length ? { problems } : { turns: turns as ChatTurn[] }
}

/** Readable turns of user and assistant only, alternating and opened by the user: what Bedrock, Hugging Face and ShareGPT take. */
export function readUserAssistantChat(turns: unknown): { turns: ChatTurn[] } | { problems: string[] } {
  const read = readTurns(turns)
  if ('problems' in read) return read
  const problems = chatProblems(read.turns, { roles: ['user', 'assistant'], firstUser: true })
  return problems.length ? { problems } : read
}

type ChatRules = {
  /** Roles allowed in the turns (the system prompt is added separately). */
  roles: readonly string[]
  firstUser: boolean
}

/** Alternation, first and last speaker, known roles and non-empty content: the rules every chat format shares. */
export function chatProblems(turns: ChatTurn[], rules: ChatRules): string[] {
  const problems: string[] = []
  turns.forEach((turn, i) => {
    if (!rules.roles.includes(turn.role)) problems.push(`turn ${i + 1} has role "${turn.role}" (allowed: ${rules.roles.join(', ')})`)
    if (turn.content.trim() === '') problems.push(`turn ${i + 1} (${turn.role}) is empty`)
    const previous = turns[i - 1]
    if (previous && previous.role === turn.role) problems.push(`turns ${i} and ${i + 1} are both ${turn.role}: roles must alternate`)
  })
  if (rules.firstUser && turns[0]?.role !== 'user') problems.push('the first turn must be the user')
  if (!turns.some((t) => t.role === 'assistant')) problems.push('has no assistant turn')
  if (turns.at(-1)?.role !== 'assistant') problems.push('the last turn must be the assistant')
  return problems
}

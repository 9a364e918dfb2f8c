import { estimateTokens, type FormatWriter, type RecordMetadata, readTurns } from './format'

const BASE_COLUMNS = ['conversation_id', 'turn', 'role', 'content'] as const
const METADATA_COLUMNS: [string, (m: RecordMetadata) => string | number | boolean | null][] = [
  ['title', (m) => m.title],
  ['status', (m) => m.status],
  ['tier', (m) => m.tier],
  ['template', (m) => m.template?.name ?? null],
  ['template_version', (m) => m.template?.version ?? null],
  ['scenario', (m) => m.scenario?.name ?? null],
  ['persona', (m) => m.persona],
  ['emotion', (m) => m.emotion],
  ['topic', (m) => m.topic],
  ['quality_score', (m) => m.quality.score],
  ['simulated', (m) => m.simulated],
  ['model', (m) => m.model],
  ['input_tokens', (m) => m.tokens.input],
  ['output_tokens', (m) => m.tokens.output],
  ['cost_usd', (m) => m.cost_usd],
  ['created_at', (m) => m.created_at],
  ['parent_chunk_id', (m) => m.parent_chunk_id],
  ['document_title', (m) => m.document_title],
  ['heading_path', (m) => (m.heading_path ? m.heading_path.join(' > ') : null)],
]
export const CSV_METADATA_COLUMNS = METADATA_COLUMNS.map(([name]) => name)

/** Spreadsheet formula triggers: a cell starting with one is prefixed with ' so Excel shows it as text. */
const FORMULA_START = /^[=+\-@\t\r]/

/** One RFC 4180 cell: neutralised against formula injection, quoted when it holds a quote, comma or line break. */
export function csvCell(value: string | number | boolean | null): string {
  let text = value === null ? '' : String(value)
  if (FORMULA_START.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

const row = (cells: (string | number | boolean | null)[]) => cells.map(csvCell).join(',')

/** CSV, one row per turn, UTF-8 with a BOM so Excel reads it as UTF-8; CRLF between rows as RFC 4180 says. */
export const csv: FormatWriter = {
  format: 'csv',
  label: 'CSV (one row per turn, opens in Excel)',
  extension: 'csv',
  contentType: 'text/csv; charset=utf-8',
  header: (options) => `\uFEFF${row([...BASE_COLUMNS, ...(options.include_metadata ? CSV_METADATA_COLUMNS : [])])}\r\n`,
  separator: '\r\n',
  footer: '\r\n',
  usesMetadata: true,
  record(record, options) {
    const read = readTurns(record.turns)
    if ('problems' in read) return read
    const { metadata: meta } = record
    const metadata = options.include_metadata ? METADATA_COLUMNS.map(([, get]) => (meta ? get(meta) : null)) : []
    const turns = options.include_system_prompt && record.system_prompt.trim() ? [{ role: 'system', content: record.system_prompt }, ...read.turns] : read.turns
    const text = turns.map((turn, i) => row([record.id, i + 1, turn.role, turn.content, ...metadata])).join('\r\n')
    return { text, tokens: estimateTokens(turns) }
  },
}

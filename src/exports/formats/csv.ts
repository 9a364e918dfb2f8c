import { estimateTokens, readTurns, type ExportRecord, type FormatWriter } from './format'

const BASE_COLUMNS = ['conversation_id', 'turn', 'role', 'content'] as const
const METADATA_COLUMNS: [string, (r: ExportRecord) => string | number | boolean | null][] = [
  ['title', (r) => r.title],
  ['status', (r) => r.status],
  ['tier', (r) => r.tier],
  ['template', (r) => r.template_name],
  ['template_version', (r) => r.template_version],
  ['scenario', (r) => r.scenario_name],
  ['persona', (r) => r.persona],
  ['emotion', (r) => r.emotion],
  ['topic', (r) => r.topic],
  ['quality_score', (r) => r.quality_score],
  ['simulated', (r) => r.simulated],
  ['model', (r) => r.model],
  ['input_tokens', (r) => r.input_tokens],
  ['output_tokens', (r) => r.output_tokens],
  ['cost_usd', (r) => r.cost_usd],
  ['created_at', (r) => r.created_at.toISOString()],
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
    const metadata = options.include_metadata ? METADATA_COLUMNS.map(([, get]) => get(record)) : []
    const turns = options.include_system_prompt && record.system_prompt.trim()
      ? [{ role: 'system', content: record.system_prompt }, ...read.turns]
      : read.turns
    const text = turns.map((turn, i) => row([record.id, i + 1, turn.role, turn.content, ...metadata])).join('\r\n')
    return { text, tokens: estimateTokens(turns) }
  },
}

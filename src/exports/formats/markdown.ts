import { estimateTokens, type FormatWriter, type RecordMetadata, readTurns } from './format'

const LABELS: Record<string, string> = { system: 'System', user: 'User', assistant: 'Assistant' }

/** Table cells and headings are one line; a pipe would end the cell. */
const inline = (text: string) => text.replace(/\s*[\r\n]+\s*/g, ' ').replaceAll('|', '\\|')
/** A block quote keeps the text's own line breaks and cannot break out of the block. */
const quote = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line) => (line ? `> ${line}` : '>'))
    .join('\n')

function metadataTable(id: string, m: RecordMetadata): string {
  const rows: [string, string | number | null][] = [
    ['ID', id],
    ['Status', m.status],
    ['Tier', m.tier],
    ['Template', m.template && `${m.template.name ?? m.template.id} (v${m.template.version ?? '?'})`],
    ['Scenario', m.scenario?.name ?? null],
    ['Persona', m.persona],
    ['Emotion', m.emotion],
    ['Topic', m.topic],
    ['Quality', m.quality.score],
    ['Tokens', `${m.tokens.input} in, ${m.tokens.output} out`],
    ['Cost (USD)', m.cost_usd],
    ['Simulated', m.simulated ? 'yes' : 'no'],
    ['Reviews', m.review_history.map((r) => `${r.action} → ${r.to_status}${r.reasons.length ? ` (${r.reasons.join(', ')})` : ''}`).join('; ') || null],
    ['Created', m.created_at],
    ['Source chunk', m.parent_chunk_id ?? (m.document_title ? 'gone (deleted or re-chunked)' : null)],
    ['Document', m.document_title],
    ['Heading path', m.heading_path?.join(' › ') || null],
  ]
  return ['| Field | Value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${inline(v === null || v === '' ? '—' : String(v))} |`)].join('\n')
}

/** Human-readable Markdown: a heading per conversation, its metadata table, then the turns as labelled quotes. */
export const markdown: FormatWriter = {
  format: 'markdown',
  label: 'Markdown (for reading)',
  extension: 'md',
  contentType: 'text/markdown; charset=utf-8',
  header: () => '# Train Data export\n\n',
  separator: '\n\n---\n\n',
  footer: '\n',
  usesMetadata: true,
  record(record, options) {
    const read = readTurns(record.turns)
    if ('problems' in read) return read
    const turns = options.include_system_prompt && record.system_prompt.trim() ? [{ role: 'system', content: record.system_prompt }, ...read.turns] : read.turns
    const parts = [`## ${inline(record.title || `Conversation ${record.id}`)}`]
    if (record.metadata) parts.push(metadataTable(record.id, record.metadata))
    for (const turn of turns) parts.push(`**${LABELS[turn.role] ?? inline(turn.role)}**\n\n${quote(turn.content)}`)
    return { text: parts.join('\n\n'), tokens: estimateTokens(turns) }
  },
}

import { estimateTokens, type FormatWriter, readTurns } from './format'

/** One JSON array of full conversation objects, written element by element so it streams at any size. */
export const json: FormatWriter = {
  format: 'json',
  label: 'JSON (full conversations with metadata)',
  extension: 'json',
  contentType: 'application/json; charset=utf-8',
  header: () => '[\n',
  separator: ',\n',
  footer: '\n]\n',
  usesMetadata: true,
  record(record, options) {
    const read = readTurns(record.turns)
    if ('problems' in read) return read
    const turns = read.turns.map((turn) => ({ role: turn.role, content: turn.content }))
    const object = {
      id: record.id,
      ...(options.include_system_prompt ? { system_prompt: record.system_prompt } : {}),
      turns,
      ...record.metadata,
    }
    return { text: JSON.stringify(object), tokens: estimateTokens(turns) }
  },
}

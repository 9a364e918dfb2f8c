import { estimateTokens, type FormatWriter, JSONL, readUserAssistantChat } from './format'

/** Hugging Face chat JSONL (what chat templates and TRL's SFTTrainer read): {"messages":[{role, content}]}. */
export const hf: FormatWriter = {
  format: 'hf',
  label: 'Hugging Face chat messages (JSONL)',
  ...JSONL,
  usesMetadata: true,
  record(record, options) {
    const read = readUserAssistantChat(record.turns)
    if ('problems' in read) return read
    const messages = read.turns.map((turn) => ({ role: turn.role, content: turn.content }))
    if (options.include_system_prompt && record.system_prompt.trim()) messages.unshift({ role: 'system', content: record.system_prompt })
    const line = record.metadata ? { id: record.id, messages, metadata: record.metadata } : { messages }
    return { text: JSON.stringify(line), tokens: estimateTokens(messages) }
  },
}

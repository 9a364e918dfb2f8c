import { estimateTokens, type FormatWriter, JSONL, readUserAssistantChat } from './format'

const FROM = { system: 'system', user: 'human', assistant: 'gpt' } as const

/** ShareGPT JSONL, as most open-source trainers read it: {"conversations":[{from: human|gpt|system, value}]}. */
export const sharegpt: FormatWriter = {
  format: 'sharegpt',
  label: 'ShareGPT (JSONL)',
  ...JSONL,
  usesMetadata: true,
  record(record, options) {
    const read = readUserAssistantChat(record.turns)
    if ('problems' in read) return read
    const conversations: { from: string; value: string }[] = read.turns.map((turn) => ({ from: FROM[turn.role as 'user' | 'assistant'], value: turn.content }))
    if (options.include_system_prompt && record.system_prompt.trim()) conversations.unshift({ from: FROM.system, value: record.system_prompt })
    const line = record.metadata ? { id: record.id, conversations, metadata: record.metadata } : { conversations }
    return { text: JSON.stringify(line), tokens: estimateTokens(conversations.map((c) => ({ content: c.value }))) }
  },
}

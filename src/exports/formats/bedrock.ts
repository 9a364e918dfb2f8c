import { estimateTokens, type FormatWriter, JSONL, readUserAssistantChat } from './format'

/** Bedrock's limit for one Claude fine-tuning record (system prompt and messages together). */
export const BEDROCK_MAX_TOKENS = 32_000

/** Amazon Bedrock (Anthropic Claude) fine-tuning JSONL: {"system"?, "messages":[{role, content}]} and nothing else. */
export const bedrock: FormatWriter = {
  format: 'bedrock',
  label: 'Anthropic on Amazon Bedrock fine-tuning (JSONL)',
  ...JSONL,
  usesMetadata: false,
  record(record, options) {
    const read = readUserAssistantChat(record.turns)
    if ('problems' in read) return read
    // Only role and content: Bedrock rejects any other key.
    const messages = read.turns.map((turn) => ({ role: turn.role, content: turn.content }))
    const system = options.include_system_prompt && record.system_prompt.trim() ? record.system_prompt : undefined
    const tokens = estimateTokens(system ? [{ content: system }, ...messages] : messages)
    if (tokens > BEDROCK_MAX_TOKENS) return { problems: [`is about ${tokens} tokens, above Bedrock's ${BEDROCK_MAX_TOKENS}-token limit per record`] }
    return { text: JSON.stringify(system ? { system, messages } : { messages }), tokens }
  },
  warnings: ({ count, largestTokens }) => (count ? [`The largest record is about ${largestTokens} tokens (limit ${BEDROCK_MAX_TOKENS}).`] : []),
}

import { chatProblems, estimateTokens, type FormatWriter, JSONL, readTurns } from './format'

/** Keys OpenAI's chat fine-tuning accepts on a message (tool-call keys included for when tools are exported). */
const ALLOWED_KEYS = new Set(['role', 'content', 'name', 'weight', 'tool_calls', 'tool_call_id', 'function_call'])
/** OpenAI refuses a file with fewer examples than this. */
export const OPENAI_MIN_EXAMPLES = 10

/** OpenAI chat fine-tuning JSONL: {"messages":[{role, content, weight?}]} per line. */
export const openai: FormatWriter = {
  format: 'openai',
  label: 'OpenAI chat fine-tuning (JSONL)',
  ...JSONL,
  usesMetadata: false,
  record(record, options) {
    const read = readTurns(record.turns)
    if ('problems' in read) return read
    const problems = chatProblems(read.turns, { roles: ['user', 'assistant'], firstUser: false })
    read.turns.forEach((turn, i) => {
      const extra = Object.keys(turn).filter((key) => !ALLOWED_KEYS.has(key))
      if (extra.length) problems.push(`turn ${i + 1} has keys OpenAI does not accept: ${extra.join(', ')}`)
      if ('weight' in turn) {
        if (turn.role !== 'assistant') problems.push(`turn ${i + 1} has a weight, which only assistant messages may have`)
        else if (turn.weight !== 0 && turn.weight !== 1) problems.push(`turn ${i + 1} has weight ${JSON.stringify(turn.weight)} (only 0 or 1)`)
      }
    })
    if (problems.length) return { problems }
    const messages =
      options.include_system_prompt && record.system_prompt.trim() ? [{ role: 'system', content: record.system_prompt }, ...read.turns] : read.turns
    return { text: JSON.stringify({ messages }), tokens: estimateTokens(messages) }
  },
  warnings({ count, largestTokens }) {
    const warnings: string[] = []
    if (count < OPENAI_MIN_EXAMPLES) warnings.push(`OpenAI needs at least ${OPENAI_MIN_EXAMPLES} examples; this file has ${count}.`)
    if (count) warnings.push(`The largest example is about ${largestTokens} tokens.`)
    return warnings
  },
}

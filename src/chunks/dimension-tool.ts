import { DIMENSION_GROUPS, DIMENSIONS } from './dimensions'
import { countTokens } from './tokens'

/**
 * The structured-output contract for dimension analysis, in the shape of the conversation tool
 * (src/claude/conversation-tool.ts): Claude is forced to call this tool, its input is one score
 * and confidence per dimension, and `DimensionAnalysis` is what we trust.
 */
export const DIMENSION_TOOL_NAME = 'record_dimensions'

// Each property stays bare (the meanings are in the system prompt, sent once and cached): with
// sixty dimensions, per-property descriptions would triple the schema every call carries.
const SCORE = {
  type: 'object',
  properties: { score: { type: 'number' }, confidence: { type: 'number' } },
  required: ['score', 'confidence'],
  additionalProperties: false,
}

export const dimensionTool = {
  name: DIMENSION_TOOL_NAME,
  description:
    'Record how the passage scores on every dimension listed in the instructions: for each, a score from 0 (does not apply) ' +
    'to 1 (clearly applies) and a confidence from 0 (a guess) to 1 (certain).',
  input_schema: {
    type: 'object' as const,
    properties: Object.fromEntries(DIMENSIONS.map((d) => [d.name, SCORE])),
    required: DIMENSIONS.map((d) => d.name),
    additionalProperties: false,
  },
}

export const DIMENSION_SYSTEM_PROMPT = [
  'You analyse passages from a team’s own documents so that realistic support conversations can be generated from them. ' +
    'Persona, emotion and topic dimensions describe the people who would ask an assistant about the passage; complexity, ' +
    'domain and risk describe the passage itself. Judge only from the passage, and give low confidence where it says little.',
  ...Object.entries(DIMENSION_GROUPS).flatMap(([group, meaning]) => [
    '',
    `${group}: ${meaning}`,
    ...DIMENSIONS.filter((d) => d.group === group).map((d) => `- ${d.name}: ${d.description}`),
  ]),
].join('\n')

/** The user message for one chunk; the heading path and title place the passage in its document. */
export function dimensionPrompt(input: { text: string; heading_path: string[]; document_title: string }): string {
  const where = [input.document_title, ...input.heading_path].filter(Boolean).join(' › ')
  return `Passage from: ${where}\n\n<passage>\n${input.text}\n</passage>\n\nScore every dimension with the ${DIMENSION_TOOL_NAME} tool.`
}

/** The passage back out of a `dimensionPrompt` message (for the simulator), exactly as it went in. */
export function passageOf(prompt: string): string {
  const start = prompt.indexOf('<passage>\n')
  const end = prompt.lastIndexOf('\n</passage>')
  return start >= 0 && end >= start ? prompt.slice(start + '<passage>\n'.length, end) : prompt
}

/**
 * Tokens one analysis costs besides the chunk's own text, for the estimate shown before a run:
 * the tool definition and system prompt on the way in, a full answer on the way out (measured on
 * the answer's JSON, with two-decimal scores as the model writes them).
 */
export const DIMENSION_TOKENS = {
  input: countTokens(JSON.stringify(dimensionTool) + DIMENSION_SYSTEM_PROMPT + dimensionPrompt({ text: '', heading_path: [], document_title: '' })),
  output: countTokens(JSON.stringify(Object.fromEntries(DIMENSIONS.map((d) => [d.name, { score: 0.55, confidence: 0.85 }])))),
}

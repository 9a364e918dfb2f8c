import { z } from 'zod'
import type { ChunkContext, Turn } from '../db/schema'
import { scoreGrounding, sourceBlockText, sourceTextIn } from './grounding'

/**
 * The structured-output contract for the optional Claude judge of grounding: Claude reads the
 * source block and the transcript and is forced to call this tool with a 0–10 score and the
 * claims it found unsupported or contradicted. `GroundingJudgement` is what we trust.
 */
export const GROUNDING_JUDGE_TOOL_NAME = 'record_grounding_judgement'

export const groundingJudgeTool = {
  name: GROUNDING_JUDGE_TOOL_NAME,
  description:
    'Record how well the assistant in the conversation stays within the source text: a score from 0 (contradicts it or invents ' +
    'facts throughout) to 10 (every factual claim is supported by the source), and each unsupported or contradicted claim.',
  input_schema: {
    type: 'object' as const,
    properties: {
      score: { type: 'number', minimum: 0, maximum: 10 },
      problems: { type: 'array', items: { type: 'string' }, maxItems: 20 },
    },
    required: ['score', 'problems'],
    additionalProperties: false,
  },
}

export const GroundingJudgement = z.object({ score: z.number().min(0).max(10), problems: z.array(z.string()).max(20) })
export type GroundingJudgement = z.infer<typeof GroundingJudgement>

export const GROUNDING_JUDGE_SYSTEM_PROMPT =
  'You check synthetic support conversations against the source text they were written from. Judge only the assistant turns: ' +
  'a claim is supported when the source states or directly implies it, contradicted when the source says otherwise, and ' +
  'unsupported when the source does not cover it. Politeness and questions are not claims.'

const OPEN = '<conversation>'
const CLOSE = '</conversation>'

/** The transcript as the judge reads it, one `role: text` line per turn. */
export function judgeTranscript(turns: Turn[]): string {
  return `${OPEN}\n${turns.map((t) => `${t.role}: ${t.content.replace(/\n+/g, ' ')}`).join('\n')}\n${CLOSE}\n\nJudge it with the ${GROUNDING_JUDGE_TOOL_NAME} tool.`
}

/** The judge's user content: the chunk's source block (cached: every conversation from the chunk shares it), then the transcript. */
export function judgeContent(context: ChunkContext, turns: Turn[]) {
  return [
    { type: 'text' as const, text: sourceBlockText(context), cache_control: { type: 'ephemeral' as const } },
    { type: 'text' as const, text: judgeTranscript(turns) },
  ]
}

/** What the simulator answers: the heuristic grounding score of the transcript against the source, as the judge would report it. */
export function simulateGroundingJudgement(prompt: string): GroundingJudgement {
  const source = sourceTextIn(prompt) ?? ''
  const start = prompt.indexOf(OPEN)
  const end = prompt.lastIndexOf(CLOSE)
  const lines =
    start >= 0 && end > start
      ? prompt
          .slice(start + OPEN.length, end)
          .trim()
          .split('\n')
      : []
  const turns = lines.flatMap((line): Turn[] => {
    const match = /^(user|assistant): (.*)$/.exec(line)
    return match ? [{ role: match[1] as Turn['role'], content: match[2]! }] : []
  })
  const context: ChunkContext = { chunk_id: '', document_id: '', document_title: '', heading_path: [], text: source }
  const { score, contradictions } = scoreGrounding({ turns, source: context, dimensions: null })
  return { score, problems: contradictions ? [`${contradictions} claim(s) conflict with the source`] : [] }
}

import { z } from 'zod'

/**
 * The structured-output contract for generation: Claude is forced to call this tool, and its
 * input is the conversation. The JSON schema guides the model; `ConversationOutput` is what we trust.
 */
export const CONVERSATION_TOOL_NAME = 'record_conversation'

export const conversationTool = {
  name: CONVERSATION_TOOL_NAME,
  description: 'Record the generated conversation. Turns alternate between user and assistant, starting with the user.',
  input_schema: {
    type: 'object' as const,
    properties: {
      title: { type: 'string', description: 'A short title for the conversation.' },
      turns: {
        type: 'array',
        minItems: 2,
        items: {
          type: 'object',
          properties: {
            role: { type: 'string', enum: ['user', 'assistant'] },
            content: { type: 'string', description: 'What this speaker says, as plain text.' },
          },
          required: ['role', 'content'],
          additionalProperties: false,
        },
      },
    },
    required: ['title', 'turns'],
    additionalProperties: false,
  },
}

/** Forces the model to answer with the tool instead of prose. */
export const conversationToolChoice = { type: 'tool' as const, name: CONVERSATION_TOOL_NAME }

const Turn = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string().trim().min(1),
})

export const ConversationOutput = z.object({
  title: z.string().trim().min(1),
  turns: z
    .array(Turn)
    .min(2)
    // A fine-tuning sample is only usable if speakers alternate, user first.
    .refine((turns) => turns.every((turn, i) => turn.role === (i % 2 === 0 ? 'user' : 'assistant')), {
      message: 'turns must alternate between user and assistant, starting with the user',
    }),
})

export type Conversation = z.infer<typeof ConversationOutput>
export type ConversationTurn = z.infer<typeof Turn>

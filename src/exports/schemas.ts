import { z } from 'zod'
import { type ConversationFilter, checkFilter, FILTER_FIELDS, FILTER_KEYS } from '../conversations/filter'
import { EXPORT_FORMATS } from '../db/schema'
import { listField } from '../http/params'

export const ExportFormatField = z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` })

/**
 * What to export: conversations by id, the dashboard's filter fields, or both (they combine).
 * With neither, every approved conversation: the default of DESIGN.md §8.
 */
export const ExportScope = z
  .strictObject(
    { ...FILTER_FIELDS, conversation_ids: listField(z.uuid({ error: 'must be conversation ids' })) },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown scope field ${issue.keys.join(', ')}` : undefined) },
  )
  .superRefine(checkFilter)
  .transform((scope) => {
    const given = Object.fromEntries(Object.entries(scope).filter(([, v]) => v !== undefined)) as typeof scope
    return Object.keys(given).length ? given : { ...given, status: ['approved' as const] }
  })
export type ExportScope = z.infer<typeof ExportScope>

/** The scope's filter part, for conversationFilter(). */
export function filterOf(scope: ExportScope): ConversationFilter {
  return Object.fromEntries(FILTER_KEYS.filter((k) => scope[k] !== undefined).map((k) => [k, scope[k]])) as ConversationFilter
}

const flag = z.union([z.boolean(), z.stringbool({ error: 'must be true or false' })], { error: 'must be true or false' })

export const ExportOptions = z.strictObject(
  {
    /** Metadata fields (template, scenario, quality, review history…) where the format allows them. */
    include_metadata: flag.default(true),
    include_system_prompt: flag.default(true),
    only_non_simulated: flag.default(false),
    /** Percentage of conversations written to a separate validation file; 0 = one file. */
    validation_percent: z.coerce
      .number({ error: 'must be a whole number from 0 to 50' })
      .int('must be a whole number from 0 to 50')
      .min(0, 'must be from 0 to 50')
      .max(50, 'must be from 0 to 50')
      .default(0),
    /** The same seed always splits the same conversations the same way. */
    split_seed: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').default('train-data'),
    gzip: flag.default(false),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown option ${issue.keys.join(', ')}` : undefined) },
)
export type ExportOptions = z.infer<typeof ExportOptions>

export const ExportRequest = z.object({
  format: ExportFormatField,
  scope: z.preprocess((v) => v ?? {}, ExportScope),
  options: z.preprocess((v) => v ?? {}, ExportOptions),
})
export type ExportRequest = z.infer<typeof ExportRequest>

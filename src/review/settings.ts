import type { Kysely } from 'kysely'
import { z } from 'zod'
import { recordChange } from '../audit/changes'
import { cachedRead } from '../db/cached-read'
import type { DB, RejectionReason } from '../db/schema'
import { inTransaction } from '../db/transaction'

/** The reasons a reviewer can pick when rejecting, until an admin changes the list. Codes are stored; labels are shown. */
export const DEFAULT_REASONS: RejectionReason[] = [
  { code: 'off_topic', label: 'Off topic' },
  { code: 'factual_error', label: 'Factual error' },
  { code: 'unnatural_dialogue', label: 'Unnatural dialogue' },
  { code: 'unsafe', label: 'Unsafe' },
  { code: 'formatting', label: 'Formatting' },
  { code: 'repetitive', label: 'Repetitive' },
  { code: 'too_short', label: 'Too short' },
  { code: 'too_long', label: 'Too long' },
  { code: 'other', label: 'Other' },
]

export type ReviewSettings = {
  reasons: RejectionReason[]
  /** Auto-approve a finished conversation whose quality is at least this; null = off. */
  autoApproveAbove: number | null
  /** Auto-reject a finished conversation whose quality is below this; null = off. */
  autoRejectBelow: number | null
}

export const DEFAULT_REVIEW_SETTINGS: ReviewSettings = { reasons: DEFAULT_REASONS, autoApproveAbove: null, autoRejectBelow: null }

/** Every generated conversation reads the thresholds, so they are cached like the AI settings. */
const REVIEW_SETTINGS_CACHE_MS = 2_000

async function readReviewSettings(db: Kysely<DB>): Promise<ReviewSettings> {
  const row = await db
    .selectFrom('review_settings')
    .select(['reasons', 'auto_approve_above', 'auto_reject_below'])
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (!row) return DEFAULT_REVIEW_SETTINGS
  return { reasons: row.reasons, autoApproveAbove: row.auto_approve_above, autoRejectBelow: row.auto_reject_below }
}

const cached = cachedRead(REVIEW_SETTINGS_CACHE_MS, readReviewSettings)

/** The active settings: the newest row, or the defaults when nobody has changed them yet. */
export function activeReviewSettings(db: Kysely<DB>): Promise<ReviewSettings> {
  return cached.get(db)
}

const threshold = z.preprocess(
  (v) => (v === '' || v === undefined ? null : v),
  z.coerce.number({ error: 'must be a number from 0 to 10' }).min(0, 'must be from 0 to 10').max(10, 'must be from 0 to 10').nullable(),
)

/**
 * The admin form: one reason per line as "code: Label" (or JSON [{code, label}]), and the two
 * thresholds, blank meaning off.
 */
export const ReviewSettingsInput = z
  .object({
    reasons: z.preprocess(
      (v) => (typeof v === 'string' ? parseReasonLines(v) : v),
      z
        .array(
          z.object({
            code: z
              .string()
              .trim()
              .regex(/^[a-z][a-z0-9_]{0,39}$/, 'each code must be lowercase letters, digits and _ (up to 40)'),
            label: z.string().trim().min(1, 'each reason needs a label').max(80, 'labels are at most 80 characters'),
          }),
        )
        .min(1, 'keep at least one reason')
        .max(9, 'at most 9 reasons (one per digit key)')
        .refine((list) => new Set(list.map((r) => r.code)).size === list.length, 'each code may appear only once'),
    ),
    auto_approve_above: threshold,
    auto_reject_below: threshold,
  })
  .refine((s) => s.auto_approve_above === null || s.auto_reject_below === null || s.auto_reject_below <= s.auto_approve_above, {
    path: ['auto_reject_below'],
    message: 'must not be above the auto-approve threshold',
  })
export type ReviewSettingsInput = z.infer<typeof ReviewSettingsInput>

function parseReasonLines(text: string): unknown {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.indexOf(':')
      const code = (at < 0 ? line : line.slice(0, at)).trim()
      const label = at < 0 ? code.replace(/_/g, ' ') : line.slice(at + 1).trim()
      return { code, label }
    })
}

export function reasonLines(reasons: RejectionReason[]): string {
  return reasons.map((r) => `${r.code}: ${r.label}`).join('\n')
}

/** Saves the settings (recorded in the audit trail with the values before and after); `rolledBackFrom` marks a rollback. */
export async function saveReviewSettings(db: Kysely<DB>, input: ReviewSettingsInput, userId: string, rolledBackFrom?: string): Promise<ReviewSettings> {
  await inTransaction(db, async (trx) => {
    const before = await readReviewSettings(trx)
    await trx
      .insertInto('review_settings')
      .values({
        reasons: JSON.stringify(input.reasons),
        auto_approve_above: input.auto_approve_above,
        auto_reject_below: input.auto_reject_below,
        created_by: userId,
      })
      .execute()
    const summary = rolledBackFrom ? 'Review settings rolled back' : 'Review settings changed'
    await recordChange(trx, {
      type: 'review_settings',
      summary,
      userId,
      before: auditedReviewSettings(before),
      after: auditedReviewSettings(input),
      rolledBackFrom,
    })
  })
  cached.forget()
  return activeReviewSettings(db)
}

/** As the form and the API name them, so a rollback can save the old values again. */
function auditedReviewSettings(s: ReviewSettings | ReviewSettingsInput): ReviewSettingsInput {
  if ('autoApproveAbove' in s) return { reasons: s.reasons, auto_approve_above: s.autoApproveAbove, auto_reject_below: s.autoRejectBelow }
  return s
}

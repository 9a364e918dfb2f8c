import type { Context } from 'hono'
import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import { z } from 'zod'
import { type Capability, can } from '../auth/roles'
import type { DB } from '../db/schema'
import { Forbidden, PayloadTooLarge } from '../errors'
import type { AppEnv } from '../http/env'
import { parseInput } from '../http/respond'

/**
 * Drafts of long forms, kept on the server per user and form as they type (public/drafts.js posts
 * them to /drafts). A form is named by its key; the key's first part says who may keep one.
 */

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const KEY = new RegExp(`^(template:(new|${UUID})|scenario:(new:)?${UUID}|edge-case:(new:)?${UUID}|generate|settings:(ai|review)|review-comment:${UUID})$`)

/** Who may keep a draft of each kind of form: the same people who may save it. */
const KIND_NEEDS: Record<string, Capability> = {
  template: 'edit',
  scenario: 'edit',
  'edge-case': 'edit',
  generate: 'edit',
  settings: 'admin',
  'review-comment': 'review',
}

export const DraftKey = z.string().regex(KEY, 'must name a form: template:new, template:<id>, scenario:new:<template id>, generate, settings:ai, …')

export function draftKindNeeds(key: string): Capability {
  return KIND_NEEDS[key.split(':')[0]!]!
}

/** The largest draft kept: its fields as JSON. */
export const MAX_DRAFT_BYTES = 64 * 1024
const MAX_DRAFT_FIELDS = 300

export type DraftFields = Record<string, string | string[]>

/** What the script posts: the key, the version the form started from, and the form's fields. */
const DraftBody = z
  .object({
    draft_key: DraftKey,
    draft_base_version: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().positive().max(2_147_483_647).optional()),
  })
  .catchall(z.union([z.string(), z.array(z.string()).max(MAX_DRAFT_FIELDS)], { error: 'must be text (files are not kept in drafts)' }))

/** Fields never kept in a draft: secrets, and what names the draft itself. */
const NOT_KEPT = /^(draft_key|draft_base_version|api_token)$|password/i

export function parseDraft(body: Record<string, unknown>): { key: string; baseVersion: number | null; fields: DraftFields } {
  const { draft_key: key, draft_base_version: baseVersion, ...rest } = parseInput(DraftBody, body)
  const fields: DraftFields = {}
  for (const [name, value] of Object.entries(rest)) if (!NOT_KEPT.test(name)) fields[name] = value as string | string[]
  if (Object.keys(fields).length > MAX_DRAFT_FIELDS) throw new PayloadTooLarge(`A draft keeps at most ${MAX_DRAFT_FIELDS} fields.`)
  if (Buffer.byteLength(JSON.stringify(fields)) > MAX_DRAFT_BYTES) throw new PayloadTooLarge(`A draft keeps at most ${MAX_DRAFT_BYTES / 1024} KB of text.`)
  return { key, baseVersion: baseVersion ?? null, fields }
}

/** Refuses a draft of a form the user could not save anyway. */
export function checkDraftAllowed(role: Parameters<typeof can>[0], key: string): void {
  if (!can(role, draftKindNeeds(key))) throw new Forbidden(`Your role (${role}) cannot save this form, so no draft of it is kept.`)
}

export type Draft = { fields: DraftFields; base_version: number | null; updated_at: Date }

export async function saveDraft(db: Kysely<DB>, userId: string, draft: { key: string; baseVersion: number | null; fields: DraftFields }): Promise<Date> {
  const fields = JSON.stringify(draft.fields)
  const row = await db
    .insertInto('drafts')
    .values({ user_id: userId, key: draft.key, fields, base_version: draft.baseVersion })
    .onConflict((oc) => oc.columns(['user_id', 'key']).doUpdateSet({ fields, base_version: draft.baseVersion, updated_at: sql<Date>`now()` }))
    .returning('updated_at')
    .executeTakeFirstOrThrow()
  return row.updated_at
}

export async function findDraft(db: Kysely<DB>, userId: string, key: string): Promise<Draft | undefined> {
  return db.selectFrom('drafts').select(['fields', 'base_version', 'updated_at']).where('user_id', '=', userId).where('key', '=', key).executeTakeFirst()
}

/** Forgets a user's draft of a form: after the form is saved, or when they discard it. */
export async function deleteDraft(db: Kysely<DB>, userId: string, key: string): Promise<void> {
  await db.deleteFrom('drafts').where('user_id', '=', userId).where('key', '=', key).execute()
}

/** How long a draft nobody touched is kept: a form left for a month is not coming back. */
export const DRAFT_KEEP_DAYS = 30

/** Forgets every draft untouched for DRAFT_KEEP_DAYS (hourly, with expired sessions); returns how many. */
export async function deleteOldDrafts(db: Kysely<DB>, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - DRAFT_KEEP_DAYS * 86_400_000)
  const result = await db.deleteFrom('drafts').where('updated_at', '<', before).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** What a page shows about a kept draft: when it was saved, where restoring leads, and whether its base changed. */
export type DraftOffer = {
  key: string
  savedAt: Date
  restoreHref: string
  /** The page to come back to after discarding. */
  page: string
  /** Set when what the form edits was saved again since the draft was started. */
  stale?: { from: number; now: number; thing: string }
}

export type FormDraft = {
  /** The draft's fields, when the user asked to restore it (?draft=<key>): render the form from these. */
  restored?: DraftFields
  /** The version the restored draft started from (a save from it is checked against that). */
  baseVersion?: number
  offer?: DraftOffer
}

/**
 * A form's kept draft for this user: restored when the page was opened with `?draft=<key>` (a page
 * may hold more than one drafted form), otherwise offered. `page` is the form's address; `current` the version of what it edits, if
 * versioned; `isSaved` says when a draft only repeats what is saved (a last keystroke's save landing
 * after the real one), which is not offered. Opening a page changes nothing: a GET deletes no draft.
 */
export async function formDraft(
  c: Context<AppEnv>,
  key: string,
  options: { page: string; current?: { version: number; thing: string }; isSaved?: (fields: DraftFields) => boolean },
): Promise<FormDraft> {
  const user = c.var.user
  if (!user) return {}
  const draft = await findDraft(c.var.db, user.id, key)
  if (!draft || options.isSaved?.(draft.fields)) return {}
  if (c.req.query('draft') === key) return { restored: draft.fields, baseVersion: draft.base_version ?? undefined }
  const { current } = options
  const stale =
    current && draft.base_version !== null && draft.base_version !== current.version
      ? { from: draft.base_version, now: current.version, thing: current.thing }
      : undefined
  const restoreHref = `${options.page}${options.page.includes('?') ? '&' : '?'}draft=${encodeURIComponent(key)}`
  return { offer: { key, savedAt: draft.updated_at, restoreHref, page: options.page, stale } }
}

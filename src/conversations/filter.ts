import { type Expression, expressionBuilder, type Kysely, type SqlBool, sql } from 'kysely'
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres'
import { z } from 'zod'
import { addDays, isTimeZone, startOfDay } from '../days'
import { CONVERSATION_STATUSES, type DB, TIERS } from '../db/schema'
import { listField, optionalField } from '../http/params'

/**
 * The conversation filter shared by the dashboard, the JSON API, bulk actions and exports
 * ("export the current filter"). It reads query strings (every value a string, repeated keys as
 * arrays, blanks from empty form fields ignored) as well as JSON (arrays, numbers, booleans).
 */

const quality = z.coerce.number({ error: 'must be a number from 0 to 10' }).min(0, 'must be from 0 to 10').max(10, 'must be from 0 to 10')

/** A day (2026-11-25, the whole day in the filter's time zone) or an instant (ISO 8601 with an offset). */
const day = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be a date like 2026-11-25 or an ISO 8601 time' })

const text = z.string().trim().max(200, 'must be at most 200 characters')

const boolean = z.union([z.boolean(), z.stringbool({ error: 'must be true or false' })], { error: 'must be true or false' })

export const DELETED_SCOPES = ['exclude', 'include', 'only'] as const

/** The filter's fields, for schemas that add their own (sort, cursor, ids…); refine those with checkFilter. */
export const FILTER_FIELDS = {
  status: listField(z.enum(CONVERSATION_STATUSES, { error: `must be one of ${CONVERSATION_STATUSES.join(', ')}` })),
  tier: listField(z.enum(TIERS, { error: `must be one of ${TIERS.join(', ')}` })),
  template_id: optionalField(z.uuid({ error: 'must be a template id' })),
  scenario_id: optionalField(z.uuid({ error: 'must be a scenario id' })),
  batch_id: optionalField(z.uuid({ error: 'must be a batch id' })),
  quality_min: optionalField(quality),
  quality_max: optionalField(quality),
  created_from: optionalField(day),
  created_to: optionalField(day),
  /** The IANA zone whose whole days created_from and created_to name: UTC unless given (pages give the user's, see inZone). */
  timezone: optionalField(z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris or UTC')),
  persona: optionalField(text),
  emotion: optionalField(text),
  topic: optionalField(text),
  simulated: optionalField(boolean),
  /** Grounded in a chunk of this document (by the document id kept in chunk_context). */
  document_id: optionalField(z.uuid({ error: 'must be a document id' })),
  /** Linked to this chunk now. */
  chunk_id: optionalField(z.uuid({ error: 'must be a chunk id' })),
  /** Generated from (or linked to) a chunk: chunk_context is kept, even if the chunk is gone. */
  grounded: optionalField(boolean),
  /** Grounded, but its chunk was deleted or re-chunked away (chunk_context kept, no parent_chunk_id). */
  orphaned: optionalField(boolean),
  q: optionalField(z.string().trim().max(500, 'must be at most 500 characters')),
  /** Trashed conversations are hidden unless asked for ('include' or 'only', the trash page). */
  deleted: optionalField(z.enum(DELETED_SCOPES, { error: `must be one of ${DELETED_SCOPES.join(', ')}` })),
}

type FilterShape = z.infer<z.ZodObject<typeof FILTER_FIELDS>>

/** Cross-field checks: ranges must not be upside down. */
export function checkFilter(f: FilterShape, ctx: z.RefinementCtx): void {
  if (f.quality_min !== undefined && f.quality_max !== undefined && f.quality_min > f.quality_max) {
    ctx.addIssue({ code: 'custom', path: ['quality_max'], message: 'must not be below quality_min' })
  }
  if (f.created_from && f.created_to && bound(f.created_from, false) >= bound(f.created_to, true)) {
    ctx.addIssue({ code: 'custom', path: ['created_to'], message: 'must be after created_from' })
  }
}

export const ConversationFilter = z.object(FILTER_FIELDS).superRefine(checkFilter)
export type ConversationFilter = z.infer<typeof ConversationFilter>

/** The filter's own keys, in the order they appear in URLs. */
export const FILTER_KEYS = Object.keys(FILTER_FIELDS) as (keyof ConversationFilter)[]

const isDay = (v: string | undefined) => v !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(v)

/**
 * A bound as an instant: the start of a day (of the next day, for an end, which is exclusive) or the
 * instant given (the instant after it, for an end, so it is included). Days are read in UTC, enough
 * for checkFilter: which of two days comes first does not depend on the zone.
 */
const bound = (v: string, end: boolean) => (isDay(v) ? new Date(`${end ? addDays(v, 1) : v}T00:00:00Z`) : new Date(Date.parse(v) + (end ? 1 : 0)))
/** The bound for SQL: a day starts at midnight in the filter's zone. */
const boundIn = (v: string, zone: string, end: boolean) => (isDay(v) ? startOfDay(end ? addDays(v, 1) : v, zone) : bound(v, end))

/**
 * The filter with its days in `zone` (the signed-in user's), unless it names a zone of its own: a
 * person's "2026-11-25" is their day, not UTC's. Only a filter with days gets one, so links stay short.
 */
export function inZone<F extends Pick<ConversationFilter, 'created_from' | 'created_to' | 'timezone'>>(filter: F, zone: string): F {
  if (filter.timezone || zone === 'UTC' || !(isDay(filter.created_from) || isDay(filter.created_to))) return filter
  return { ...filter, timezone: zone }
}

/** Full-text match on the stored tsvector. websearch_to_tsquery never fails on syntax, so any text is safe. */
export function matches(q: string): Expression<SqlBool> {
  return sql<SqlBool>`conversations.search @@ websearch_to_tsquery('english', ${q})`
}

/**
 * The WHERE condition for a filter, as one expression usable in any select, update or delete on
 * conversations (joins included: columns are qualified).
 */
export function conversationFilter(filter: ConversationFilter): Expression<SqlBool> {
  const eb = expressionBuilder<DB, 'conversations'>()
  const where: Expression<SqlBool>[] = []
  const deleted = filter.deleted ?? 'exclude'
  if (deleted === 'exclude') where.push(eb('conversations.deleted_at', 'is', null))
  if (deleted === 'only') where.push(eb('conversations.deleted_at', 'is not', null))
  if (filter.status) where.push(eb('conversations.status', 'in', filter.status))
  if (filter.tier) where.push(eb('conversations.tier', 'in', filter.tier))
  if (filter.template_id) where.push(eb('conversations.template_id', '=', filter.template_id))
  if (filter.scenario_id) where.push(eb('conversations.scenario_id', '=', filter.scenario_id))
  if (filter.batch_id) where.push(eb('conversations.batch_id', '=', filter.batch_id))
  // Each bound again on the quality indexes' own expression, coalesce(quality_score, -1): a narrow
  // range is then read from such an index, not found by walking every conversation in the sort's
  // order (a range few match took 245 ms at 100,000), and a quality order stops at the range's end.
  if (filter.quality_min !== undefined) {
    where.push(eb('conversations.quality_score', '>=', filter.quality_min), sql<SqlBool>`coalesce(conversations.quality_score, -1) >= ${filter.quality_min}`)
  }
  if (filter.quality_max !== undefined) {
    where.push(eb('conversations.quality_score', '<=', filter.quality_max), sql<SqlBool>`coalesce(conversations.quality_score, -1) <= ${filter.quality_max}`)
  }
  const zone = filter.timezone ?? 'UTC'
  if (filter.created_from) where.push(eb('conversations.created_at', '>=', boundIn(filter.created_from, zone, false)))
  if (filter.created_to) where.push(eb('conversations.created_at', '<', boundIn(filter.created_to, zone, true)))
  if (filter.persona) where.push(eb('conversations.persona', '=', filter.persona))
  if (filter.emotion) where.push(eb('conversations.emotion', '=', filter.emotion))
  if (filter.topic) where.push(eb('conversations.topic', '=', filter.topic))
  if (filter.simulated !== undefined) where.push(eb('conversations.simulated', '=', filter.simulated))
  if (filter.document_id) where.push(sql<SqlBool>`conversations.chunk_context->>'document_id' = ${filter.document_id}`)
  if (filter.chunk_id) where.push(eb('conversations.parent_chunk_id', '=', filter.chunk_id))
  if (filter.grounded !== undefined) where.push(eb('conversations.chunk_context', filter.grounded ? 'is not' : 'is', null))
  if (filter.orphaned !== undefined) {
    const orphaned = eb.and([eb('conversations.chunk_context', 'is not', null), eb('conversations.parent_chunk_id', 'is', null)])
    where.push(filter.orphaned ? orphaned : eb.not(orphaned))
  }
  if (filter.q) where.push(matches(filter.q))
  return eb.and(where)
}

/**
 * The filter as lists apply it (the dashboard, its summary, bulk actions on the filter, exports):
 * cancelled conversations hold nothing (their batch stopped before they were generated), so they
 * are left out unless the status filter asks for them.
 */
export function listedConversations(filter: ConversationFilter): Expression<SqlBool> {
  const where = conversationFilter(filter)
  if (filter.status) return where
  const eb = expressionBuilder<DB, 'conversations'>()
  return eb.and([where, eb('conversations.status', '!=', 'cancelled')])
}

/** The filter as URL search parameters (blanks dropped), for links, "load more" and export. */
export function filterParams(filter: ConversationFilter): URLSearchParams {
  const params = new URLSearchParams()
  for (const key of FILTER_KEYS) {
    const value = filter[key]
    if (value === undefined || value === '') continue
    if (Array.isArray(value)) for (const v of value) params.append(key, v)
    else params.set(key, String(value))
  }
  return params
}

/** What the filter form offers: templates, scenarios, recent batches and documents, and the scenarios' vocabulary. */
export async function filterChoices(db: Kysely<DB>) {
  // One statement, not five: the dashboard reads these on every whole-page view.
  const row = await db
    .selectNoFrom((eb) => [
      jsonArrayFrom(eb.selectFrom('templates').select(['id', 'name']).orderBy('name').orderBy('id').limit(500)).as('templates'),
      jsonArrayFrom(eb.selectFrom('scenarios').select(['id', 'name']).orderBy('name').orderBy('id').limit(500)).as('scenarios'),
      jsonArrayFrom(eb.selectFrom('batches').select(['id', 'name']).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(200)).as('batches'),
      jsonArrayFrom(eb.selectFrom('documents').select(['id', 'title']).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(200)).as('documents'),
      jsonObjectFrom(
        eb
          .selectFrom('scenarios')
          .select([
            sql<string[] | null>`array_agg(distinct persona) filter (where persona <> '')`.as('personas'),
            sql<string[] | null>`array_agg(distinct emotion) filter (where emotion <> '')`.as('emotions'),
            sql<string[] | null>`array_agg(distinct topic) filter (where topic <> '')`.as('topics'),
          ]),
      ).as('vocabulary'),
    ])
    .executeTakeFirstOrThrow()
  return {
    templates: row.templates,
    scenarios: row.scenarios,
    batches: row.batches,
    documents: row.documents,
    personas: row.vocabulary?.personas ?? [],
    emotions: row.vocabulary?.emotions ?? [],
    topics: row.vocabulary?.topics ?? [],
  }
}
export type FilterChoices = Awaited<ReturnType<typeof filterChoices>>

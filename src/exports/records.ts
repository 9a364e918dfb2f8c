import { type Expression, expressionBuilder, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import { listedConversations } from '../conversations/filter'
import type { DB } from '../db/schema'
import type { ExportRecord, RecordMetadata } from './formats/format'
import { type ExportOptions, type ExportScope, filterOf } from './schemas'

type ScopeOptions = Pick<ExportOptions, 'only_non_simulated'>

/** The conversations an export covers: its scope, minus simulated ones when asked. Deleted ones never, cancelled (empty) ones only when asked for by status. */
function inScope(scope: ExportScope, options: ScopeOptions): Expression<SqlBool> {
  const eb = expressionBuilder<DB, 'conversations'>()
  const where = [listedConversations({ ...filterOf(scope), deleted: 'exclude' })]
  if (scope.conversation_ids) where.push(eb('conversations.id', 'in', scope.conversation_ids))
  if (options.only_non_simulated) where.push(eb('conversations.simulated', '=', false))
  return eb.and(where)
}

export async function countInScope(db: Kysely<DB>, scope: ExportScope, options: ScopeOptions): Promise<number> {
  const row = await db
    .selectFrom('conversations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(inScope(scope, options))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * The export's rows in a stable order (oldest first, ties by id). Only what the file needs is read:
 * id, title, system prompt and turns, plus, when the format writes metadata, one JSON object built
 * by Postgres with the template, scenario, quality, tokens, cost and review history.
 */
export function selectRecords(db: Kysely<DB>, scope: ExportScope, options: ScopeOptions, withMetadata: boolean) {
  const metadata: RawBuilder<RecordMetadata | null> = withMetadata ? METADATA : sql`null`
  return db
    .selectFrom('conversations')
    .select(['conversations.id', 'conversations.title', 'conversations.system_prompt', 'conversations.turns'])
    .select(metadata.as('metadata'))
    .where(inScope(scope, options))
    .orderBy('conversations.created_at')
    .orderBy('conversations.id')
}

const METADATA = sql<RecordMetadata>`json_build_object(
  'title', conversations.title, 'status', conversations.status, 'tier', conversations.tier,
  'template', (select json_build_object('id', t.id, 'name', t.name, 'version', v.version)
               from templates t left join template_versions v on v.id = conversations.template_version_id
               where t.id = conversations.template_id),
  'scenario', (select json_build_object('id', s.id, 'name', s.name) from scenarios s where s.id = conversations.scenario_id),
  'edge_case_id', conversations.edge_case_id, 'batch_id', conversations.batch_id,
  'persona', conversations.persona, 'emotion', conversations.emotion, 'topic', conversations.topic,
  'quality', json_build_object('score', conversations.quality_score, 'parts', conversations.quality_parts),
  'review_history', (select coalesce(json_agg(json_build_object('action', ra.action, 'from_status', ra.from_status,
        'to_status', ra.to_status, 'reasons', ra.reasons, 'comment', ra.comment, 'reviewer', u.email,
        'at', ra.created_at) order by ra.created_at, ra.id), '[]'::json)
      from review_actions ra left join users u on u.id = ra.reviewer_id
      where ra.conversation_id = conversations.id),
  'tokens', json_build_object('input', conversations.input_tokens, 'output', conversations.output_tokens),
  'cost_usd', conversations.cost_usd, 'model', conversations.model, 'simulated', conversations.simulated,
  'created_at', conversations.created_at,
  'parent_chunk_id', conversations.parent_chunk_id,
  'document_id', conversations.chunk_context->>'document_id',
  'document_title', conversations.chunk_context->>'document_title',
  'heading_path', conversations.chunk_context->'heading_path')`

export type RecordQuery = ReturnType<typeof selectRecords>

/** The first few records, for the preview before an export runs. */
export async function firstRecords(query: RecordQuery, limit: number): Promise<ExportRecord[]> {
  return (await query.limit(limit).execute()) as ExportRecord[]
}

/**
 * Reads the query through a server-side cursor, `batchSize` rows at a time, on one connection in
 * one transaction: memory stays constant whatever the count. The next batch is fetched while the
 * current one is written, so Postgres and the writer work at the same time.
 */
export async function forEachBatch(db: Kysely<DB>, query: RecordQuery, batchSize: number, onBatch: (rows: ExportRecord[]) => Promise<void>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Every row will be read: plan for the whole result, not for the first rows as cursors do by
    // default. JIT would spend a second compiling the metadata subqueries for no gain in a scan.
    await sql`set local cursor_tuple_fraction = 1.0`.execute(trx)
    await sql`set local jit = off`.execute(trx)
    await sql`declare export_rows no scroll cursor for ${query}`.execute(trx)
    const fetch = () => {
      const next = sql<ExportRecord>`fetch ${sql.raw(String(batchSize))} from export_rows`.execute(trx).then((r) => r.rows)
      next.catch(() => undefined) // awaited below; a failure while the writer is busy is not unhandled
      return next
    }
    for (let pending: Promise<ExportRecord[]> | undefined = fetch(); pending; ) {
      const rows: ExportRecord[] = await pending
      pending = rows.length === batchSize ? fetch() : undefined
      if (rows.length) await onBatch(rows)
    }
  })
}

import { expressionBuilder, sql, type Expression, type Kysely, type SqlBool } from 'kysely'
import { conversationFilter } from '../conversations/filter'
import type { DB } from '../db/schema'
import type { ExportRecord } from './formats/format'
import { filterOf, type ExportOptions, type ExportScope } from './schemas'

type ScopeOptions = Pick<ExportOptions, 'only_non_simulated'>

/** The conversations an export covers: its scope, minus simulated ones when asked. Deleted ones never. */
function inScope(scope: ExportScope, options: ScopeOptions): Expression<SqlBool> {
  const eb = expressionBuilder<DB, 'conversations'>()
  const where = [conversationFilter({ ...filterOf(scope), deleted: 'exclude' })]
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
 * The export's rows in a stable order (oldest first, ties by id), with the names and review history that metadata
 * shows. Review history is only gathered when the format will write it.
 */
export function selectRecords(db: Kysely<DB>, scope: ExportScope, options: ScopeOptions, withHistory: boolean) {
  return db
    .selectFrom('conversations')
    .leftJoin('templates', 'templates.id', 'conversations.template_id')
    .leftJoin('template_versions', 'template_versions.id', 'conversations.template_version_id')
    .leftJoin('scenarios', 'scenarios.id', 'conversations.scenario_id')
    .select([
      'conversations.id',
      'conversations.title',
      'conversations.status',
      'conversations.tier',
      'conversations.system_prompt',
      'conversations.turns',
      'conversations.simulated',
      'conversations.model',
      'conversations.persona',
      'conversations.emotion',
      'conversations.topic',
      'conversations.quality_score',
      'conversations.quality_parts',
      'conversations.input_tokens',
      'conversations.output_tokens',
      'conversations.cost_usd',
      'conversations.created_at',
      'conversations.batch_id',
      'conversations.template_id',
      'templates.name as template_name',
      'template_versions.version as template_version',
      'conversations.scenario_id',
      'scenarios.name as scenario_name',
      'conversations.edge_case_id',
    ])
    .select(
      (withHistory
        ? sql`(select coalesce(json_agg(json_build_object('action', ra.action, 'from_status', ra.from_status,
              'to_status', ra.to_status, 'reasons', ra.reasons, 'comment', ra.comment, 'reviewer', u.email,
              'at', ra.created_at) order by ra.created_at, ra.id), '[]'::json)
            from review_actions ra left join users u on u.id = ra.reviewer_id
            where ra.conversation_id = conversations.id)`
        : sql`null`
      ).as('review_history'),
    )
    .where(inScope(scope, options))
    .orderBy('conversations.created_at')
    .orderBy('conversations.id')
}

export type RecordQuery = ReturnType<typeof selectRecords>

/** The first few records, for the preview before an export runs. */
export async function firstRecords(query: RecordQuery, limit: number): Promise<ExportRecord[]> {
  return (await query.limit(limit).execute()) as ExportRecord[]
}

/**
 * Reads the query through a server-side cursor, `batchSize` rows at a time, on one connection in
 * one transaction: memory stays constant whatever the count.
 */
export async function forEachBatch(
  db: Kysely<DB>,
  query: RecordQuery,
  batchSize: number,
  onBatch: (rows: ExportRecord[]) => Promise<void>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`declare export_rows no scroll cursor for ${query}`.execute(trx)
    for (;;) {
      const { rows } = await sql<ExportRecord>`fetch ${sql.raw(String(batchSize))} from export_rows`.execute(trx)
      if (rows.length) await onBatch(rows)
      if (rows.length < batchSize) break
    }
    await sql`close export_rows`.execute(trx)
  })
}

import { type Kysely, type Selectable, sql } from 'kysely'
import { addJob } from '../db/jobs'
import type { DB, MaintenanceRunsTable } from '../db/schema'
import { NotFound, ValidationFailed } from '../errors'

export type MaintenanceRun = Selectable<MaintenanceRunsTable>
export type VacuumProgress = { phase: string; heap_blks_total: number; heap_blks_scanned: number }

async function appTables(db: Kysely<DB>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select relname as name from pg_stat_user_tables where schemaname = 'public' order by 1`.execute(db)
  return rows.map((r) => r.name)
}

/** Queues VACUUM (ANALYZE) of one of the app's tables as a job; the run is recorded to show its progress. */
export async function requestVacuum(db: Kysely<DB>, table: string, userId: string): Promise<MaintenanceRun> {
  if (!(await appTables(db)).includes(table)) {
    throw new ValidationFailed(`There is no table ${table} to vacuum.`, { table: 'must be one of the tables listed on the health page' })
  }
  return db.transaction().execute(async (trx) => {
    const run = await trx.insertInto('maintenance_runs').values({ table_name: table, requested_by: userId }).returningAll().executeTakeFirstOrThrow()
    await addJob(trx, 'vacuum_table', { runId: run.id }, { maxAttempts: 1 })
    return run
  })
}

/** The vacuum_table task: VACUUM cannot run inside a transaction, so it runs on its own connection. */
export async function runVacuum(db: Kysely<DB>, runId: string): Promise<void> {
  const run = await db
    .updateTable('maintenance_runs')
    .set({ status: 'running', started_at: sql<Date>`now()` })
    .where('id', '=', runId)
    .where('status', '=', 'queued')
    .returningAll()
    .executeTakeFirst()
  if (!run) return
  try {
    // The name was checked against the catalogue when the run was requested, and is quoted as an identifier.
    await sql`vacuum (analyze) ${sql.table(run.table_name)}`.execute(db)
    await db.updateTable('maintenance_runs').set({ status: 'done', finished_at: sql<Date>`now()` }).where('id', '=', runId).execute()
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err)
    await db.updateTable('maintenance_runs').set({ status: 'failed', error, finished_at: sql<Date>`now()` }).where('id', '=', runId).execute()
  }
}

export function recentRuns(db: Kysely<DB>): Promise<MaintenanceRun[]> {
  return db.selectFrom('maintenance_runs').selectAll().orderBy('created_at', 'desc').limit(10).execute()
}

export async function findRun(db: Kysely<DB>, id: string): Promise<MaintenanceRun & { progress: VacuumProgress | null }> {
  const run = await db.selectFrom('maintenance_runs').selectAll().where('id', '=', id).executeTakeFirst()
  if (!run) throw new NotFound('No such maintenance run.')
  const progress =
    run.status === 'running'
      ? ((
          await sql<VacuumProgress>`
            select phase, heap_blks_total::float8 as heap_blks_total, heap_blks_scanned::float8 as heap_blks_scanned
            from pg_stat_progress_vacuum where relid = to_regclass(${run.table_name})`.execute(db)
        ).rows[0] ?? null)
      : null
  return { ...run, progress }
}

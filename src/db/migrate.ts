import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Kysely } from 'kysely'
import { FileMigrationProvider, Migrator } from 'kysely/migration'
import { runMigrations as runWorkerMigrations } from 'graphile-worker'
import type pg from 'pg'
import type { Logger } from '../log'
import { workerLogger } from '../worker/logger'
import type { DB } from './schema'

const migrationFolder = fileURLToPath(new URL('../../migrations', import.meta.url))

/**
 * Each area numbers its migrations in its own range (auth 0xxx, templates 1xxx, conversations 2xxx…),
 * so an area's later migration can sort before another area's earlier one: apply any not yet run.
 */
function migrator(db: Kysely<DB>): Migrator {
  return new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder }), allowUnorderedMigrations: true })
}

/** Brings the app's tables and graphile-worker's schema up to date. Safe to run from many processes at once. */
export async function migrateToLatest(db: Kysely<DB>, pool: pg.Pool, log: Logger): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error(String(error))
  await runWorkerMigrations({ pgPool: pool, logger: workerLogger(log) })
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/** Names of migration files not yet applied: /readyz is not ready while there are any. */
export async function pendingMigrations(db: Kysely<DB>): Promise<string[]> {
  const all = await migrator(db).getMigrations()
  return all.filter((m) => !m.executedAt).map((m) => m.name)
}

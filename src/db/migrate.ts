import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runMigrations as runWorkerMigrations } from 'graphile-worker'
import type { Kysely } from 'kysely'
import { FileMigrationProvider, Migrator } from 'kysely/migration'
import type pg from 'pg'
import type { Logger } from '../log'
import { workerLogger } from '../worker/logger'
import type { DB } from './schema'

const migrationFolder = fileURLToPath(new URL('../../migrations', import.meta.url))

/**
 * Until this one, each area numbered its migrations in its own range (auth 0xxx, templates 1xxx…),
 * so databases upgraded along the way ran them in another order than their names: those are frozen
 * history and may stay so. Every migration after it takes a real timestamp and runs in name order.
 */
export const LAST_UNORDERED_MIGRATION = '2026_11_30_1420_chunk_phrase_pairs'

function migrator(db: Kysely<DB>): Migrator {
  // Kysely's own order check compares execution times, which the frozen history fails; `checkOrder` is ours.
  return new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder }), allowUnorderedMigrations: true })
}

/**
 * Refuses to run a pending migration that sorts before one already run (a branch merged late, a file
 * renamed): fresh and upgraded databases must apply migrations in the same order.
 */
export function checkOrder(migrations: readonly { name: string; executedAt?: Date }[]): void {
  const lastRun =
    migrations
      .filter((m) => m.executedAt)
      .map((m) => m.name)
      .sort()
      .at(-1) ?? ''
  const late = migrations.find((m) => !m.executedAt && m.name < lastRun && m.name > LAST_UNORDERED_MIGRATION)
  if (late) {
    throw new Error(`Migration ${late.name} sorts before ${lastRun}, which has already run: give it a name (timestamp) after every applied migration.`)
  }
}

/** Brings the app's tables and graphile-worker's schema up to date. Safe to run from many processes at once. */
export async function migrateToLatest(db: Kysely<DB>, pool: pg.Pool, log: Logger): Promise<string[]> {
  const migrations = migrator(db)
  checkOrder(await migrations.getMigrations())
  const { error, results } = await migrations.migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error(String(error))
  await runWorkerMigrations({ pgPool: pool, logger: workerLogger(log) })
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/** Names of migration files not yet applied: /readyz is not ready while there are any. */
export async function pendingMigrations(db: Kysely<DB>): Promise<string[]> {
  const all = await migrator(db).getMigrations()
  return all.filter((m) => !m.executedAt).map((m) => m.name)
}

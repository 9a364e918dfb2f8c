import path from 'node:path'
import { sql } from 'kysely'
import type { Config } from '../config'
import type { Logger } from '../log'
import { connect, type Database, describeDatabaseUrl } from './connect'
import { startEmbeddedPostgres } from './embedded'

export class DatabaseUnreachable extends Error {
  override name = 'DatabaseUnreachable'
}

export type OpenDatabase = Database & { close: () => Promise<void> }

/** DATABASE_URL when set, else the embedded Postgres under DATA_DIR/pg; fails with a sentence, not a stack. */
export async function openDatabase(config: Config, log: Logger, poolSize?: number): Promise<OpenDatabase> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(path.join(config.dataDir, 'pg'), log)
  const url = config.databaseUrl ?? embedded!.url
  const database = connect(url, log, poolSize)
  const close = async () => {
    await database.db.destroy()
    await embedded?.stop()
  }
  try {
    await sql`select 1`.execute(database.db)
  } catch (err) {
    await close().catch(() => undefined)
    const reason = err instanceof Error ? ('code' in err && err.code ? `${String(err.code)}: ${err.message}` : err.message) : String(err)
    throw new DatabaseUnreachable(`Cannot reach the database at ${describeDatabaseUrl(url)} (${reason}). Check DATABASE_URL and that Postgres is running.`)
  }
  log.info({ database: describeDatabaseUrl(url), embedded: Boolean(embedded) }, 'database connected')
  return { ...database, close }
}

import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { recordQuery } from '../health/process-metrics'
import type { Logger } from '../log'
import { namingPool } from './prepared'
import type { DB } from './schema'

export type Database = { db: Kysely<DB>; pool: pg.Pool }

// Postgres returns bigint (count(*), sums) as text; our counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10))
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number.parseFloat(value))

export function connect(url: string, log: Logger, max = 10): Database {
  // JIT off: Postgres compiles any query it costs above 100,000 (a search over 1,000,000 rows, even
  // its EXPLAIN) to machine code first, 50 to 500 ms each time, which short queries never win back.
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000, options: '-c jit=off' })
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle database connection lost'))
  pool.on('connect', (client) => client.on('error', (err) => log.warn({ err: err.message }, 'database connection lost')))
  // Every statement's time goes into this process's latency histogram (the health page's query latency).
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: namingPool(pool) }),
    log: (event) => recordQuery(event.query.sql, event.queryDurationMillis),
  })
  return { db, pool }
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE'])
// admin_shutdown, crash_shutdown, cannot_connect_now, and class 08 (connection exceptions).
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03'])

/** True when an error means "the database cannot be reached right now", not a bug. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = 'code' in err && typeof err.code === 'string' ? err.code : ''
  if (UNREACHABLE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) return true
  if (err instanceof AggregateError) return err.errors.some(isDatabaseUnavailable)
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(err.message)
}

/** A one-line, password-free description of where a database URL points. */
export function describeDatabaseUrl(url: string): string {
  const u = new URL(url)
  return `${u.hostname}:${u.port || '5432'}${u.pathname}`
}

import type { Kysely } from 'kysely'
import type pg from 'pg'
import type { Config } from './config'
import type { DB } from './db/schema'
import type { Logger } from './log'

/**
 * What every process shares: the database, the configuration and the logger. `pool` lets the web
 * process hold one dedicated connection to LISTEN for progress (SSE).
 */
export type Deps = { db: Kysely<DB>; config: Config; log: Logger; pool?: pg.Pool }

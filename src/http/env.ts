import type { Kysely } from 'kysely'
import type pg from 'pg'
import type { SessionUser } from '../auth/sessions'
import type { Config } from '../config'
import type { DB, TokenScope } from '../db/schema'
import type { Logger } from '../log'

/** `pool` lets the web process hold one dedicated connection to LISTEN for progress (SSE). */
export type Deps = { db: Kysely<DB>; config: Config; log: Logger; pool?: pg.Pool }

export type AppEnv = {
  Variables: Deps & {
    user: SessionUser | null
    /** How this request proved who it is: a session cookie, an API token, or not at all. */
    authVia: 'session' | 'token' | null
    tokenScope: TokenScope | null
  }
}

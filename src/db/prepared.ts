import type { Kysely, PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult, QueryResult, RawBuilder } from 'kysely'
import pg from 'pg'
import type { DB } from './schema'

/**
 * Named (prepared) statements for the few queries every generated conversation runs. Postgres
 * parses and plans an ordinary query on every call; a named one once per connection, which for
 * the claim, the store and the batch check was about a millisecond of its CPU per conversation.
 * Opt-in per statement, because every name stays prepared on every connection for its lifetime.
 * Why: the same targets as grouped.ts (≥ 300 conv/s, < 15 ms p50 overhead per conversation,
 * test/bench/generation.bench.ts); the millisecond above was measured with that bench (commit 7ef4591).
 */

const nameOfSql = new Map<string, string>()
const sqlOfName = new Map<string, string>()

/** Runs `query` as the statement `name`: the same name must always come with the same SQL. */
export function executePrepared<R>(db: Kysely<DB>, name: string, query: RawBuilder<R>): Promise<QueryResult<R>> {
  const compiled = query.compile(db)
  const known = sqlOfName.get(name)
  if (known === undefined) {
    sqlOfName.set(name, compiled.sql)
    nameOfSql.set(compiled.sql, name)
  } else if (known !== compiled.sql) {
    throw new Error(`The prepared statement ${name} was given different SQL; its text must not depend on the values.`)
  }
  return db.executeQuery(compiled)
}

/** The pool Kysely uses: queries whose SQL was registered above go out as named statements. */
export function namingPool(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  return {
    options: pool.options,
    // Kysely opens a separate client of this class to cancel a query whose signal aborts.
    Client: pg.Client,
    connect: async () => {
      const client = await pool.connect()
      let naming = wrapped.get(client)
      if (!naming) {
        naming = namingClient(client)
        wrapped.set(client, naming)
      }
      return naming
    },
    end: () => pool.end(),
  }
}

function namingClient(client: pg.PoolClient): PostgresPoolClient {
  function query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>
  function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>
  function query<R>(sql: string | PostgresCursor<R>, parameters: ReadonlyArray<unknown> = []): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Kysely passes a cursor only when the dialect is given one, which ours is not.
    if (typeof sql !== 'string') throw new Error('Streaming through a cursor is not configured for this pool.')
    const name = nameOfSql.get(sql)
    const values = [...parameters]
    const result = name ? client.query({ name, text: sql, values }) : client.query(sql, values)
    // pg's result is the same object with a wider `command` type.
    return result as Promise<unknown> as Promise<PostgresQueryResult<R>>
  }
  return { query, release: (destroy) => client.release(destroy) }
}

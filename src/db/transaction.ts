import type { Kysely, Transaction } from 'kysely'
import type { DB } from './schema'

/**
 * Runs `work` in a transaction: the caller's own when it passed one (so a change and its audit record
 * commit with whatever else the caller writes), otherwise a new one.
 */
export function inTransaction<T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute((trx: Transaction<DB>) => work(trx))
}

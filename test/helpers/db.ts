import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import { forgetCachedReads } from '../../src/db/cached-read'
import { connect, type Database } from '../../src/db/connect'
import { createLogger } from '../../src/log'
import { withDatabase } from '../setup/global'

export type TestDatabase = Database & { url: string; name: string; drop: () => Promise<void> }

/** A fresh, migrated database of this test file's own, copied from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const log = createLogger('silent')
  const adminUrl = inject('adminUrl')
  if (!adminUrl) throw new Error('This test file needs Postgres: list it outside UNIT in vitest.config.ts (the unit project has no database).')
  const name = `td_test_${randomBytes(6).toString('hex')}`
  const admin = connect(adminUrl, log, 1)
  try {
    await admin.pool.query(`create database ${name} template ${inject('templateDatabase')}`)
  } finally {
    await admin.pool.end()
  }
  const url = withDatabase(adminUrl, name)
  const database = connect(url, log, 20)
  return {
    ...database,
    url,
    name,
    drop: async () => {
      await database.db.destroy()
      const cleanup = connect(adminUrl, log, 1)
      await cleanup.pool.query(`drop database if exists ${name} with (force)`).finally(() => cleanup.pool.end())
    },
  }
}

/**
 * Empties the app's tables between tests. Truncating users cascades to everything that references
 * them; the reference data migrations seed (the default AI settings and configuration, the
 * retention settings' one row) is put back.
 */
export async function truncateAll(database: Database): Promise<void> {
  const client = await database.pool.connect()
  try {
    await client.query('begin')
    // The reference data migrations seed is put back: the default AI settings and the configuration they belong to.
    const { rows } = await client.query<{ row: { configuration_id: string | null } }>(
      'select to_jsonb(s) as row from ai_settings s order by created_at limit 1',
    )
    await client.query(
      // The quality roll-ups have no foreign keys to cascade from: a truncate skips the triggers that keep them.
      'truncate users, login_throttle, worker_heartbeats, templates, ai_settings, ai_configurations, exports, error_logs, review_decision_counts, review_reason_counts, conversation_status_counts restart identity cascade',
    )
    await client.query('insert into retention_settings default values on conflict (id) do nothing')
    const seed = rows[0]?.row
    if (seed?.configuration_id) {
      await client.query(`insert into ai_configurations (id, name, settings, active) values ($1, 'Default', '{}', true)`, [seed.configuration_id])
    }
    if (seed) await client.query('insert into ai_settings select * from jsonb_populate_record(null::ai_settings, $1)', [seed])
    await client.query(`update ai_configurations c set settings = jsonb_build_object('model', s.model, 'max_tokens', s.max_tokens,
      'requests_per_minute', s.requests_per_minute, 'max_concurrency', s.max_concurrency, 'max_retries', s.max_retries,
      'retry_budget_minutes', s.retry_budget_minutes, 'timeout_ms', s.timeout_ms, 'max_batch_size', s.max_batch_size)
      from ai_settings s where s.configuration_id = c.id`)
    await client.query('commit')
    forgetCachedReads()
  } catch (err) {
    await client.query('rollback')
    throw err
  } finally {
    client.release()
  }
}

/** Empties graphile-worker's queue and the Claude slot leases, for files whose tests run workers. */
export async function emptyJobQueue(database: Database): Promise<void> {
  await database.pool.query('truncate graphile_worker._private_jobs')
  await database.pool.query('delete from claude_leases')
  // A test at a low rate leaves the next start slot seconds ahead: every test starts with it free.
  await database.pool.query('update claude_rate_limit set next_at = now()')
}

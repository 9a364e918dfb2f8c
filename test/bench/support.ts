import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type CompiledQuery, Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { createApp } from '../../src/app'
import { insertUser } from '../../src/auth/users'
import { loadConfig } from '../../src/config'
import { seedConversations } from '../../src/conversations/seed'
import { connect, type Database } from '../../src/db/connect'
import { startEmbeddedPostgres } from '../../src/db/embedded'
import { migrateToLatest } from '../../src/db/migrate'
import type { DB, Role } from '../../src/db/schema'
import { createLogger } from '../../src/log'

export type BenchDatabase = Database & { url: string; reused: boolean; close: () => Promise<void> }

/**
 * A fresh, migrated database: on TEST_DATABASE_URL/DATABASE_URL's server when set, else an embedded one.
 * A bench that may run on data kept between runs (`reusable`) uses BENCH_DATABASE_URL as it is when
 * that is set, migrated and never dropped: seeding a million conversations once instead of per run.
 */
export async function benchDatabase(options: { reusable?: boolean } = {}): Promise<BenchDatabase> {
  const log = createLogger('silent')
  const kept = options.reusable ? process.env.BENCH_DATABASE_URL : undefined
  if (kept) {
    const database = connect(kept, log, 20)
    await migrateToLatest(database.db, database.pool, log)
    return { ...database, url: kept, reused: true, close: () => database.db.destroy() }
  }
  const external = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL
  let tmp: string | undefined
  let cluster: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined
  if (!external) {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'train-data-bench-'))
    cluster = await startEmbeddedPostgres(path.join(tmp, 'pg'), log)
  }
  const serverUrl = external ?? cluster!.url
  const name = `td_bench_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const u = new URL(serverUrl)
  u.pathname = `/${name}`
  const url = u.toString()
  const database = connect(url, log, 20)
  await migrateToLatest(database.db, database.pool, log)
  return {
    ...database,
    url,
    reused: false,
    close: async () => {
      await database.db.destroy()
      const cleanup = new pg.Client({ connectionString: serverUrl })
      await cleanup.connect()
      await cleanup.query(`drop database if exists ${name} with (force)`)
      await cleanup.end()
      await cluster?.stop()
      if (tmp) await rm(tmp, { recursive: true, force: true })
    },
  }
}

/** A user of its own for this run (a kept database already has the last run's). */
export async function benchUser(database: BenchDatabase, role: Role, password = 'bench password') {
  const email = `${role}-${randomBytes(4).toString('hex')}@example.com`
  const user = await insertUser(database.db, { email, password, role })
  if (!user) throw new Error(`could not add ${email}`)
  return { ...user, password }
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN
}

/** One figure per line, aligned, with its target when the issue names one. */
export function report(name: string, value: number, unit: string, target?: string): void {
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1)
  console.log(`  ${name.padEnd(58)} ${`${shown} ${unit}`.padStart(16)}${target ? `   (target ${target})` : ''}`)
}

export function heading(title: string): void {
  console.log(`\n${title}`)
}

/** Server-side milliseconds for `fn`, run `runs` times after `warmup` unmeasured runs. */
export async function timeMany(runs: number, fn: (i: number) => Promise<unknown>, warmup = 5): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i)
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await fn(i)
    samples.push(performance.now() - t0)
  }
  return samples
}

export type CapturedQuery = { query: CompiledQuery; ms: number }

/**
 * Seeds `count` conversations (then VACUUM ANALYZE, as autovacuum would) and builds the app on a
 * Kysely that records every query, so a bench can explain the slowest query of its slowest request:
 * empty `recorder.queries` before a request, read it after.
 */
/**
 * A kept database may have sat on disk since it was seeded: its tables and indexes are read into the
 * OS cache first (pg_prewarm's 'read' mode), as a server that has been running has them, so the
 * figures measure the app rather than a cold disk. On this machine's disk (about 60 MB/s) a cold
 * million-conversation database stalled every request for up to a second at a time.
 */
async function warmCache(database: BenchDatabase): Promise<void> {
  const started = performance.now()
  await database.pool.query('create extension if not exists pg_prewarm')
  const { rows } = await database.pool.query(`select coalesce(sum(pg_prewarm(c.oid, 'read')), 0)::bigint as blocks
    from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r', 'i')`)
  const mb = (Number(rows[0].blocks) * 8) / 1024
  console.log(`  (read its ${mb.toFixed(0)} MB of tables and indexes into the OS cache in ${((performance.now() - started) / 1000).toFixed(1)} s first)`)
}

export async function seededApp(database: BenchDatabase, count: number) {
  const live = database.reused ? Number((await database.pool.query('select count(*) from conversations')).rows[0].count) : 0
  if (live >= count && database.reused) {
    console.log(`  (reusing the ${live.toLocaleString('en')} conversations of BENCH_DATABASE_URL)`)
    await warmCache(database)
  } else {
    const seeded = await seedConversations(database.db, { count: count - live })
    await database.pool.query('vacuum analyze conversations')
    console.log(`  (seeded in ${(seeded.ms / 1000).toFixed(1)} s, then VACUUM ANALYZE as autovacuum would)`)
  }
  const recorder: { queries: CapturedQuery[] } = { queries: [] }
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: database.pool }),
    log: (event) => {
      if (event.level === 'query') recorder.queries.push({ query: event.query, ms: event.queryDurationMillis })
    },
  })
  const config = loadConfig({ DATABASE_URL: database.url, DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'train-data-bench-')), LOG_LEVEL: 'silent' })
  return { app: createApp({ db, config, log: createLogger('silent') }), recorder }
}

type PlanNode = { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; Plans?: PlanNode[] }

/**
 * EXPLAIN ANALYZE of a captured query, summarised as "Limit → Index Scan using x, …; 0.4 ms": the
 * top node and every index or scan used, so a regression names the index it lost.
 */
export async function explainQuery(database: BenchDatabase, captured: CapturedQuery, digits = 1): Promise<string> {
  const { rows } = await database.pool.query(`explain (analyze, format json) ${captured.query.sql}`, [...captured.query.parameters])
  const plan = rows[0]['QUERY PLAN'][0] as { Plan: PlanNode; 'Execution Time': number }
  const scans: string[] = []
  const walk = (n: PlanNode) => {
    if (n['Index Name']) scans.push(`${n['Node Type']} using ${n['Index Name']}`)
    else if (n['Node Type'] === 'Seq Scan') scans.push(`Seq Scan on ${n['Relation Name']}`)
    for (const child of n.Plans ?? []) walk(child)
  }
  walk(plan.Plan)
  return `${plan.Plan['Node Type']} → ${[...new Set(scans)].join(', ') || 'no scan'}; ${plan['Execution Time'].toFixed(digits)} ms`
}

/** Resolves once the server at `base` answers /healthz, polling every 20 ms for up to a minute. */
export async function waitForHealth(base: string): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error('server did not become healthy')
}

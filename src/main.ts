import { parseArgs } from 'node:util'
import { createApp } from './app'
import { insertUser } from './auth/users'
import { type Config, ConfigError, loadConfig } from './config'
import { seedConversations } from './conversations/seed'
import { EmbeddedPostgresError } from './db/embedded'
import { migrateToLatest } from './db/migrate'
import { DatabaseUnreachable, openDatabase } from './db/open'
import { CHUNKS_PER_DOCUMENT, seedDocuments } from './documents/seed'
import { closeProgressHub } from './generation/progress-hub'
import { type MetricsReporter, startMetricsReporter } from './health/process-metrics'
import { createLogger, type Logger } from './log'
import { startServer, type WebServer } from './server'
import { startWorker, type WorkerHandle } from './worker/runner'

const USAGE = `Usage: train-data <command>
  start [--role=all|web|worker]   run the app (default: web and worker in one process)
  migrate                         apply database migrations and exit
  seed --conversations N          add N realistic synthetic conversations (no Claude calls)
  seed --documents N              add N ready documents of ${CHUNKS_PER_DOCUMENT} chunks each (with --conversations: both)`

/** Exit codes a supervisor can tell apart. */
const EXIT = { usage: 64, config: 78, database: 69, failure: 1 } as const

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { role: { type: 'string', default: 'all' }, conversations: { type: 'string' }, documents: { type: 'string' } },
    allowPositionals: true,
  })
  const command = positionals[0] ?? 'start'
  const role = values.role
  // Seeding documents alone leaves conversations out; otherwise 1,000 conversations as before.
  const count = Number(values.conversations ?? (values.documents === undefined ? '1000' : '0'))
  const documents = Number(values.documents ?? '0')
  const counts = [count, documents].every((n) => Number.isInteger(n) && n >= 0) && count + documents > 0
  if (!['start', 'migrate', 'seed'].includes(command) || !['all', 'web', 'worker'].includes(role) || !counts) {
    console.error(USAGE)
    process.exit(EXIT.usage)
  }
  const config = loadConfig()
  const log = createLogger(config.logLevel)
  if (command === 'migrate') return migrate(config, log)
  if (command === 'seed') return seed(config, log, { conversations: count, documents })
  return start(config, log, role as 'all' | 'web' | 'worker')
}

async function seed(config: Config, log: Logger, counts: { conversations: number; documents: number }): Promise<void> {
  const database = await openDatabase(config, log, 6)
  try {
    await migrateToLatest(database.db, database.pool, log)
    if (counts.conversations) {
      const result = await seedConversations(database.db, { count: counts.conversations })
      log.info(result, `seeded ${result.conversations} conversations in ${(result.ms / 1000).toFixed(1)} s`)
    }
    if (counts.documents) {
      const result = await seedDocuments(database.db, { count: counts.documents })
      log.info(result, `seeded ${result.documents} documents (${result.chunks} chunks) in ${(result.ms / 1000).toFixed(1)} s`)
    }
  } finally {
    await database.close()
  }
}

async function migrate(config: Config, log: Logger): Promise<void> {
  const database = await openDatabase(config, log, 2)
  try {
    const applied = await migrateToLatest(database.db, database.pool, log)
    log.info({ applied }, applied.length ? 'migrations applied' : 'database already up to date')
  } finally {
    await database.close()
  }
}

/** SIGTERM from a service manager or `kill`, SIGINT from Ctrl-C, SIGHUP when the terminal goes away. */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const
/** A stop takes about CLOSE_GRACE_MS / STOP_GRACE_MS; past this something hangs. */
const STOP_LIMIT_MS = 5_000

async function start(config: Config, log: Logger, role: 'all' | 'web' | 'worker'): Promise<void> {
  const started = performance.now()
  // A signal during start-up (a first start initialises Postgres) waits for it, then stops cleanly.
  let stop: ((signal: string) => void) | undefined
  let stopAsked: string | undefined
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      if (stop) stop(signal)
      else stopAsked ??= signal
    })
  }

  const database = await openDatabase(config, log, config.workerConcurrency + 10)
  const deps = { db: database.db, config, log, pool: database.pool }
  let web: WebServer | undefined
  let worker: WorkerHandle | undefined
  let metrics: MetricsReporter | undefined
  try {
    await migrateToLatest(database.db, database.pool, log)
    if (config.admin) {
      const admin = await insertUser(database.db, { ...config.admin, role: 'admin', name: 'Administrator' })
      if (admin) log.info({ email: admin.email }, 'administrator created from ADMIN_EMAIL')
    }
    if (role !== 'worker') web = await startServer(createApp(deps), config.host, config.port)
    if (role !== 'web') worker = await startWorker(deps, database.pool)
    metrics = startMetricsReporter(deps, role)
  } catch (err) {
    // Never leave an embedded Postgres running behind a failed start.
    await web?.close()
    await database.close().catch(() => undefined)
    throw err
  }
  log.info(
    { role, url: web?.url, ms: Math.round(performance.now() - started), simulator: !config.anthropicApiKey },
    web ? `Train Data is running at ${web.url}` : 'Train Data worker is running',
  )

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    const since = performance.now()
    log.info({ signal }, 'shutting down')
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting')
      process.exit(EXIT.failure)
    }, STOP_LIMIT_MS)
    force.unref()
    // Live-progress streams end first (browsers reconnect elsewhere) and their LISTEN connection
    // goes back, so neither the server's close nor the pool's end waits for them.
    await closeProgressHub(database.pool)
    await Promise.all([web?.close(), worker?.stop()])
    await metrics?.stop()
    await database.close()
    log.info({ ms: Math.round(performance.now() - since) }, 'stopped cleanly')
    process.exit(0)
  }
  stop = (signal) => void shutdown(signal)
  if (stopAsked) stop(stopAsked)
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // Known start-up failures get one clear sentence; anything else keeps its stack for a bug report.
  if (err instanceof ConfigError) {
    console.error(err.message)
    process.exit(EXIT.config)
  }
  if (err instanceof DatabaseUnreachable || err instanceof EmbeddedPostgresError) {
    console.error(err.message)
    process.exit(EXIT.database)
  }
  if (err instanceof Error && /already in use/.test(err.message)) {
    console.error(err.message)
    process.exit(EXIT.failure)
  }
  console.error(err)
  process.exit(EXIT.failure)
})

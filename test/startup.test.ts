import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { freePort } from '../src/db/embedded'
import { json, makeUser, ORIGIN, signIn, testApp } from './helpers/app'
import { createTestDatabase, type TestDatabase } from './helpers/db'
import { makeTemplate, waitFor } from './helpers/generation'
import { type AppProcess, processesMentioning, runApp, runNpmStart } from './helpers/process'
import { readSse } from './helpers/sse'

let database: TestDatabase
const dirs: string[] = []

beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(async () => {
  await database.drop()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

function tempDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'train-data-start-'))
  dirs.push(dir)
  return dir
}

const noStackTrace = (output: string) => expect(output).not.toMatch(/^\s+at /m)

test('an unreachable database stops start-up with a clear message and its own exit code', async () => {
  const app = runApp(['start'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere', PORT: '0' })
  const { code } = await app.exited
  expect(code).toBe(69)
  expect(app.output()).toContain('Cannot reach the database at 127.0.0.1:1/nowhere')
  expect(app.output()).toContain('Check DATABASE_URL and that Postgres is running.')
  noStackTrace(app.output())
})

test('a bad environment variable stops start-up naming the variable', async () => {
  const app = runApp(['start'], { PORT: 'eighty', LOG_LEVEL: 'loud' })
  const { code } = await app.exited
  expect(code).toBe(78)
  expect(app.output()).toMatch(/PORT: .*number/)
  expect(app.output()).toMatch(/LOG_LEVEL: /)
  noStackTrace(app.output())
})

test('an unknown command prints the usage', async () => {
  const app = runApp(['explode'], {})
  expect((await app.exited).code).toBe(64)
  expect(app.output()).toContain('Usage: train-data <command>')
})

test('with DATABASE_URL, web and worker run in one process, serve requests and stop cleanly on SIGTERM', async () => {
  const port = await freePort()
  const app = runApp(['start'], { DATABASE_URL: database.url, PORT: String(port), ADMIN_EMAIL: 'boss@example.com', ADMIN_PASSWORD: 'boss password' })
  await app.waitFor(/Train Data is running at/)
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
  expect(ready.status).toBe(200)
  const login = await fetch(`http://127.0.0.1:${port}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://127.0.0.1:${port}` },
    body: 'email=boss%40example.com&password=boss+password',
  })
  expect(login.status).toBe(303)
  app.child.kill('SIGTERM')
  expect((await app.exited).code).toBe(0)
  expect(app.output()).toContain('stopped cleanly')
  expect(app.output()).not.toContain('boss password')
})

test('the embedded Postgres keeps its data between starts and refuses a second start on the same data', async () => {
  const dataDir = tempDataDir()
  const env = { DATA_DIR: dataDir, ADMIN_EMAIL: 'owner@example.com', ADMIN_PASSWORD: 'owner password' }
  const first = runApp(['start'], { ...env, PORT: String(await freePort()) })
  await first.waitFor(/Train Data is running at/, 60_000)
  expect(first.output()).toContain('initialising embedded Postgres')
  expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true)

  const second = runApp(['start'], { ...env, PORT: String(await freePort()) })
  expect((await second.exited).code).toBe(69)
  expect(second.output()).toMatch(/already in use by Postgres process \d+: is Train Data already running\?/)
  noStackTrace(second.output())

  first.child.kill('SIGINT')
  expect((await first.exited).code).toBe(0)

  const port = await freePort()
  const third = runApp(['start'], { ...env, PORT: String(port) })
  await third.waitFor(/Train Data is running at/, 60_000)
  expect(third.output()).not.toContain('initialising embedded Postgres')
  expect(third.output()).not.toContain('administrator created') // the admin from the first start is still there
  const login = await fetch(`http://127.0.0.1:${port}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://127.0.0.1:${port}` },
    body: 'email=owner%40example.com&password=owner+password',
  })
  expect(login.status).toBe(303)
  third.child.kill('SIGTERM')
  expect((await third.exited).code).toBe(0)
}, 120_000)

test('a Postgres left behind by a killed app is stopped and the next start succeeds', async () => {
  const dataDir = tempDataDir()
  const first = runApp(['start'], { DATA_DIR: dataDir, PORT: String(await freePort()) })
  await first.waitFor(/Train Data is running at/, 60_000)
  first.child.kill('SIGKILL')
  await first.exited
  const next = runApp(['start'], { DATA_DIR: dataDir, PORT: String(await freePort()) })
  await next.waitFor(/Train Data is running at/, 60_000)
  expect(next.output()).toContain('stopping a Postgres left running by an earlier Train Data')
  next.child.kill('SIGTERM')
  expect((await next.exited).code).toBe(0)
}, 120_000)

describe('SIGTERM to `npm start` stops everything it started', () => {
  let dataDir: string
  let started: AppProcess | undefined
  beforeAll(() => {
    dataDir = tempDataDir()
  })
  afterEach(() => {
    // Whatever a failed run left behind must not outlive the test.
    if (started?.child.pid) {
      try {
        process.kill(-started.child.pid, 'SIGKILL')
      } catch {
        // the group is gone
      }
    }
    for (const pid of processesMentioning(dataDir)) process.kill(pid, 'SIGKILL')
  })

  /** Postgres's own record of how it stopped: the cluster state in global/pg_control (byte 16; 1 = shut down cleanly). */
  const clusterState = () => readFileSync(path.join(dataDir, 'pg', 'global', 'pg_control')).readInt32LE(16)
  const SHUT_DOWN = 1

  test.each([
    { command: 'npm start', args: [] },
    { command: 'npm start -- --role=web', args: ['--role=web'] },
    { command: 'npm start -- --role=worker', args: ['--role=worker'] },
  ])(
    'after SIGTERM to `$command`, no process of the app remains within 5 s and its embedded Postgres was shut down cleanly',
    async ({ args }) => {
      const port = await freePort()
      started = runNpmStart(args, { DATA_DIR: dataDir, PORT: String(port) })
      const app = started
      if (args.includes('--role=worker')) await app.waitFor(/Train Data worker is running/, 60_000)
      else await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok, 60_000, '/healthz')
      const postgres = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0])
      const running = processesMentioning(dataDir)
      expect(running).toContain(postgres)
      expect(running.length).toBeGreaterThan(1) // Postgres and the app's node

      const sent = performance.now()
      process.kill(app.child.pid!, 'SIGTERM')
      await waitFor(async () => processesMentioning(dataDir).length === 0, 5_000, 'every process of the app to stop')
      expect(performance.now() - sent).toBeLessThan(5_000)
      expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false)
      expect(clusterState()).toBe(SHUT_DOWN)
      expect(app.output()).toContain('stopped cleanly')
    },
    90_000,
  )
})

test('SIGTERM with a live-progress stream open ends the stream and stops within 5 s with exit code 0', async () => {
  // The batch is made through this process's app on the same database; the server runs it (simulated, 50 a minute).
  const { app: local } = testApp(database)
  const cookie = await signIn(local, await makeUser(database, 'editor'))
  const template = await makeTemplate(local, cookie)
  const created = await local.request('/api/batches', json({ template_id: template.id, count_per_item: 20 }, { cookie, origin: ORIGIN }))
  expect(created.status).toBe(201)
  const { id } = (await created.json()) as { id: string }

  const port = await freePort()
  const app = runApp(['start'], { DATABASE_URL: database.url, PORT: String(port) })
  await app.waitFor(/Train Data is running at/)
  const res = await fetch(`http://127.0.0.1:${port}/batches/${id}/events`, { headers: { cookie, accept: 'text/event-stream' } })
  expect(res.status).toBe(200)
  const stream = readSse(res)
  expect((await stream.next())!.data).toContain('data-status="running"')

  const sent = performance.now()
  app.child.kill('SIGTERM')
  // The stream ends (progress may still come first), without an `end` event: the browser's EventSource reconnects.
  const rest = await stream.readUntil(() => false, 5_000)
  expect(rest.map((e) => e.event)).not.toContain('end')
  const { code } = await app.exited
  expect(performance.now() - sent).toBeLessThan(5_000)
  expect(code).toBe(0)
  expect(app.output()).toContain('stopped cleanly')
}, 60_000)

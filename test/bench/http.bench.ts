import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { insertUser } from '../../src/auth/users'
import { freePort } from '../../src/db/embedded'
import { runApp } from '../helpers/process'
import { benchDatabase, heading, report, waitForHealth } from './support'

/**
 * Issue 3's figures: an authenticated page render under 50 concurrent connections, driven from a
 * separate process against the real server; and start-up time with an existing data directory.
 */
const here = fileURLToPath(new URL('.', import.meta.url))
const CONNECTIONS = 50
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)

heading('Foundation (issue 3)')
const database = await benchDatabase()
try {
  const email = 'bench@example.com'
  const password = 'bench password'
  await insertUser(database.db, { email, password, role: 'editor' })
  const port = await freePort()
  const app = runApp(['start', '--role=web'], { DATABASE_URL: database.url, PORT: String(port), LOG_LEVEL: 'warn' })
  await waitForHealth(`http://127.0.0.1:${port}`)
  const login = await fetch(`http://127.0.0.1:${port}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://127.0.0.1:${port}` },
    body: new URLSearchParams({ email, password }).toString(),
  })
  const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? ''
  if (login.status !== 303 || !cookie) throw new Error(`login failed: ${login.status}`)

  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', `${here}load-driver.ts`, `http://127.0.0.1:${port}/`, String(CONNECTIONS), String(SECONDS), cookie],
    {
      encoding: 'utf8',
    },
  )
  const load = JSON.parse(out.trim().split('\n').at(-1)!) as {
    rps: number
    p50: number
    p95: number
    p99: number
    statuses: Record<string, number>
    requests: number
  }
  if (Object.keys(load.statuses).some((s) => s !== '200')) throw new Error(`unexpected statuses ${JSON.stringify(load.statuses)}`)
  report(`authenticated dashboard render, ${CONNECTIONS} connections, ${SECONDS} s`, Math.round(load.rps), 'req/s')
  report('  latency p50', load.p50, 'ms')
  report('  latency p95', load.p95, 'ms')
  report('  latency p99', load.p99, 'ms')
  app.child.kill('SIGTERM')
  await app.exited
} finally {
  await database.close()
}

// Start-up with an existing embedded data directory: from process start to /healthz answering.
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'train-data-bench-start-'))
try {
  for (const label of ['first start (initialises the embedded Postgres)', 'start with an existing data dir']) {
    const port = await freePort()
    const started = performance.now()
    const app = runApp(['start'], { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' })
    await waitForHealth(`http://127.0.0.1:${port}`)
    report(label, Math.round(performance.now() - started), 'ms')
    app.child.kill('SIGTERM')
    await app.exited
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}

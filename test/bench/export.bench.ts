import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createApp } from '../../src/app'
import { createApiToken } from '../../src/auth/tokens'
import { insertUser } from '../../src/auth/users'
import { loadConfig } from '../../src/config'
import { seedConversations } from '../../src/conversations/seed'
import { EXPORT_FORMATS } from '../../src/db/schema'
import { createLogger } from '../../src/log'
import { runApp } from '../helpers/process'
import { benchDatabase, heading, percentile, report } from './support'

/**
 * Issue 6's figures. The worker runs as its own process (`start --role=worker`), as in production;
 * the requests go through the app's HTTP handler with an API token.
 *  - 100 conversations, each format: from POST /api/exports to the finished file (< 300 ms).
 *  - 10,000 then 100,000 conversations to OpenAI JSONL: conversations/s (> 20,000/s) and the peak
 *    RSS (VmHWM) of a fresh worker process over the export (< 250 MB, flat). The export's live heap
 *    is constant (about 20 MB after a full GC, whatever the count); RSS beyond that is how far V8
 *    lets the heap grow between collections on a machine with plenty of RAM, so the figure is shown
 *    with Node's defaults and with a bounded heap (the flags a worker container would run with).
 */
heading('Export (issue 6)')
const database = await benchDatabase()
const exportDir = mkdtempSync(path.join(os.tmpdir(), 'train-data-bench-exports-'))
const startWorker = async (nodeOptions = '') => {
  const worker = runApp(['start', '--role=worker'], {
    DATABASE_URL: database.url,
    EXPORT_DIR: exportDir,
    LOG_LEVEL: 'info',
    WORKER_CONCURRENCY: '4',
    NODE_OPTIONS: nodeOptions,
  })
  await worker.waitFor(/worker is running/)
  return worker
}
const stopWorker = async (worker: Awaited<ReturnType<typeof startWorker>>) => {
  worker.child.kill('SIGTERM')
  await worker.exited
}
let worker = await startWorker()
try {
  const config = loadConfig({ DATABASE_URL: database.url, EXPORT_DIR: exportDir, LOG_LEVEL: 'silent' })
  const app = createApp({ db: database.db, config, log: createLogger('silent') })
  const user = await insertUser(database.db, { email: 'bench@example.com', password: 'bench password', role: 'editor' })
  const { token } = await createApiToken(database.db, user!.id, { name: 'bench', scope: 'write' })
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' }

  /** Every conversation with turns becomes approved, so the counts below are the seeded counts. */
  const approveAll = () => database.pool.query(`update conversations set status = 'approved' where turn_count > 0 and status <> 'approved'`)
  const approvedCount = async () => Number((await database.pool.query(`select count(*) n from conversations where status = 'approved'`)).rows[0].n)

  /** POST, then poll until done; returns the wall time and the worker's own duration. */
  async function exportOnce(format: string): Promise<{ wallMs: number; durationMs: number; count: number; bytes: number }> {
    const started = performance.now()
    const res = await app.request('/api/exports', { method: 'POST', headers, body: JSON.stringify({ format }) })
    if (res.status !== 202) throw new Error(`export refused: ${res.status} ${await res.text()}`)
    const { id } = (await res.json()) as { id: string }
    for (;;) {
      const row = (await (await app.request(`/api/exports/${id}`, { headers })).json()) as {
        status: string
        duration_ms: number
        count: number
        bytes: number
        error: string
      }
      if (row.status === 'done') return { wallMs: performance.now() - started, durationMs: row.duration_ms, count: row.count, bytes: row.bytes }
      if (row.status === 'failed') throw new Error(`export failed: ${row.error}`)
      await new Promise((r) => setTimeout(r, 2))
    }
  }

  const peakRss = (worker: Awaited<ReturnType<typeof startWorker>>) => {
    const status = readFileSync(`/proc/${worker.child.pid}/status`, 'utf8')
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN)
    return { peakMb: kb('VmHWM') / 1024 }
  }

  await seedConversations(database.db, { count: 100 })
  await approveAll()
  console.log(`  (${await approvedCount()} conversations, worker pid ${worker.child.pid})`)
  for (const format of EXPORT_FORMATS) {
    await exportOnce(format) // warm-up
    const samples: number[] = []
    for (let i = 0; i < 10; i++) samples.push((await exportOnce(format)).wallMs)
    report(`100 conversations → ${format}: request to finished file, p50`, percentile(samples, 50), 'ms')
    report(`  max of 10`, Math.max(...samples), 'ms', '< 300 ms')
  }

  await stopWorker(worker)
  for (const target of [10_000, 100_000]) {
    await seedConversations(database.db, { count: target - (await database.pool.query('select count(*) n from conversations')).rows[0].n })
    await approveAll()
    await database.pool.query('vacuum analyze conversations')
    const count = await approvedCount()
    for (const [label, flags] of [
      ['default heap', ''],
      ['--max-semi-space-size=8 --max-old-space-size=192', '--max-semi-space-size=8 --max-old-space-size=192'],
    ] as const) {
      worker = await startWorker(flags)
      const run = await exportOnce('openai')
      if (run.count !== count) throw new Error(`exported ${run.count} of ${count}`)
      const rss = peakRss(worker)
      await stopWorker(worker)
      report(
        `${count} conversations → OpenAI JSONL (${(run.bytes / 1048576).toFixed(0)} MiB), ${label}: rate`,
        Math.round(count / (run.durationMs / 1000)),
        'conv/s',
        '> 20,000/s',
      )
      report(`  request to finished file`, Math.round(run.wallMs), 'ms')
      report(`  worker peak RSS (VmHWM), fresh worker, ${target.toLocaleString('en')} conversations`, Math.round(rss.peakMb), 'MB', '< 250 MB, flat')
    }
  }
} finally {
  if (worker.child.exitCode === null) await stopWorker(worker)
  await database.close()
  rmSync(exportDir, { recursive: true, force: true })
}

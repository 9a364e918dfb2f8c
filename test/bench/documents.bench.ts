import { createApp } from '../../src/app'
import { createApiToken } from '../../src/auth/tokens'
import { insertUser } from '../../src/auth/users'
import { loadConfig } from '../../src/config'
import { CHUNKS_PER_DOCUMENT, seedDocuments } from '../../src/documents/seed'
import { createLogger } from '../../src/log'
import { startWorker } from '../../src/worker/runner'
import { corpus } from './corpus'
import { benchDatabase, heading, report } from './support'

/**
 * Issue 13's ingest figure, end to end: a generated 10 MB text corpus uploaded through
 * POST /api/documents, read, chunked and saved (every chunk, its search vector and the document's
 * text in one transaction) by the real ingest_document task on a running worker, until the API
 * shows it ready. Then the seed: `--documents N` at 100,000 chunks.
 */
const BYTES = Number(process.env.BENCH_CORPUS_BYTES ?? 10_000_000)
const SEED_DOCUMENTS = Number(process.env.BENCH_SEED_DOCUMENTS ?? 100_000 / CHUNKS_PER_DOCUMENT)

heading(`Documents (issue 13): ingest a ${(BYTES / 1e6).toFixed(0)} MB text corpus through the API and the ingest task`)
const database = await benchDatabase()
const log = createLogger('silent')
const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', WORKER_CONCURRENCY: '2' })
const deps = { db: database.db, config, log, pool: database.pool }
const worker = await startWorker(deps, database.pool)
try {
  const app = createApp(deps)
  const user = await insertUser(database.db, { email: 'bench@example.com', password: 'bench password', role: 'editor' })
  const { token } = await createApiToken(database.db, user!.id, { name: 'bench', scope: 'write' })
  const bytes = new TextEncoder().encode(corpus(BYTES, 'text'))

  const body = new FormData()
  body.append('file', new File([bytes], 'corpus.txt', { type: 'text/plain' }))
  const t0 = performance.now()
  const res = await app.request('/api/documents', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body })
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`)
  const { id } = (await res.json()) as { id: string }
  const t1 = performance.now()
  let doc: { status: string; chunk_count: number; error?: string }
  for (;;) {
    doc = (await (await app.request(`/api/documents/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as typeof doc
    if (doc.status !== 'processing') break
    await new Promise((r) => setTimeout(r, 20))
  }
  const t2 = performance.now()
  if (doc.status !== 'ready') throw new Error(`the document ${doc.status}: ${doc.error}`)
  report('upload (POST /api/documents → 202)', (t1 - t0) / 1000, 's')
  report(`ingest task until ready (${doc.chunk_count.toLocaleString('en')} chunks)`, (t2 - t1) / 1000, 's')
  report('upload + ingest + chunk + save', (t2 - t0) / 1000, 's', '< 10 s')

  heading(`Seed: npm run seed -- --documents ${SEED_DOCUMENTS} (${(SEED_DOCUMENTS * CHUNKS_PER_DOCUMENT).toLocaleString('en')} chunks)`)
  const seeded = await seedDocuments(database.db, { count: SEED_DOCUMENTS })
  report(`seed ${seeded.chunks.toLocaleString('en')} chunks`, seeded.ms / 1000, 's', 'well under a minute')
} finally {
  await worker.stop()
  await database.close()
}

import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createApp } from '../../src/app'
import { createApiToken } from '../../src/auth/tokens'
import { insertUser } from '../../src/auth/users'
import { loadConfig } from '../../src/config'
import { createLogger } from '../../src/log'
import { benchDatabase, heading, percentile, report, timeMany } from './support'

/**
 * The templates area on a large library: 10,000 templates (each with its version 1), server time
 * through app.request for the list (first page, a deep keyset page, a search), a save (new version
 * in one transaction), and a preview with its cost estimate.
 */
const COUNT = Number(process.env.BENCH_TEMPLATES ?? 10_000)
const RUNS = 100

heading(`Templates on ${COUNT.toLocaleString('en')} templates`)
const database = await benchDatabase()
try {
  const t0 = performance.now()
  await database.pool.query(
    `with made as (
       insert into templates (name, description, category, system_prompt, prompt, parameters, updated_at)
       select 'Template ' || i, 'About topic ' || (i % 97), 'cat' || (i % 13), 'You write about {{product}}.', 'A {{mood}} customer asks.',
              '[{"name":"product","type":"string","required":true,"default":"Acme"},{"name":"mood","type":"enum","required":false,"values":["calm","angry"],"default":"calm"}]'::jsonb,
              now() - (i || ' seconds')::interval
       from generate_series(1, $1::int) as i
       returning id, name, description, category, system_prompt, prompt, parameters)
     insert into template_versions (template_id, version, snapshot)
     select id, 1, jsonb_build_object('name', name, 'description', description, 'category', category, 'target_tier', 'T1',
            'system_prompt', system_prompt, 'prompt', prompt, 'parameters', parameters, 'min_turns', 4, 'max_turns', 8, 'quality_threshold', 6, 'notes', '')
     from made`,
    [COUNT],
  )
  await database.pool.query('vacuum analyze templates, template_versions')
  console.log(`  (${COUNT.toLocaleString('en')} templates inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s)`)

  const config = loadConfig({ DATABASE_URL: database.url, DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'train-data-bench-')), LOG_LEVEL: 'silent' })
  const app = createApp({ db: database.db, config, log: createLogger('silent') })
  const editor = (await insertUser(database.db, { email: 'editor@example.com', password: 'bench password', role: 'editor' }))!
  const { token } = await createApiToken(database.db, editor.id, { name: 'bench', scope: 'write' })
  const auth = { authorization: `Bearer ${token}` }
  const ok = async (res: Response | Promise<Response>, status = 200) => {
    const r = await res
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${(await r.text()).slice(0, 300)}`)
    await r.arrayBuffer()
  }

  // A cursor 50 pages deep, to show keyset pages cost the same anywhere.
  let cursor = ''
  for (let i = 0; i < 50; i++) {
    const page = (await (await app.request(`/api/templates?limit=50${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth })).json()) as { next_cursor: string }
    cursor = page.next_cursor
  }
  const ids = (await database.pool.query('select id from templates order by random() limit $1', [RUNS + 10])).rows.map((r) => r.id as string)
  const body = {
    name: 'Bench save',
    system_prompt: 'You write about {{product}}.',
    prompt: 'A {{mood}} customer asks about {{product}}.',
    parameters: [
      { name: 'product', type: 'string', required: true, default: 'Acme' },
      { name: 'mood', type: 'enum', required: false, values: ['calm', 'angry'], default: 'calm' },
    ],
    min_turns: 4,
    max_turns: 8,
  }
  const json = (method: string, payload: unknown) => ({ method, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(payload) })

  const figures: [string, (i: number) => Promise<unknown>][] = [
    ['list page (HTML), first page', () => ok(app.request('/templates', { headers: auth }))],
    ['list page (HTML), 50 pages deep by cursor', () => ok(app.request(`/templates?cursor=${cursor}`, { headers: auth }))],
    ['search "topic 42" (htmx rows)', () => ok(app.request('/templates?q=topic%2042', { headers: { ...auth, 'hx-request': 'true' } }))],
    ['create a template (POST /api/templates)', () => ok(app.request('/api/templates', json('POST', body)), 201)],
    ['save a new version (PUT /api/templates/:id)', (i) => ok(app.request(`/api/templates/${ids[i % ids.length]}`, json('PUT', body)))],
    ['template page with its versions', (i) => ok(app.request(`/templates/${ids[i % ids.length]}`, { headers: auth }))],
    [
      'preview with cost estimate (POST /api/templates/:id/preview)',
      (i) => ok(app.request(`/api/templates/${ids[i % ids.length]}/preview`, json('POST', { values: { mood: 'angry' } }))),
    ],
  ]
  for (const [label, fn] of figures) {
    const samples = await timeMany(RUNS, fn)
    report(`${label} p50`, percentile(samples, 50), 'ms')
    report(`${label} p95`, percentile(samples, 95), 'ms')
  }
} finally {
  await database.close()
}

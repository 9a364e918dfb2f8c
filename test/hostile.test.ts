import { afterAll, beforeAll, expect, test } from 'vitest'
import { seedConversations } from '../src/conversations/seed'
import { progressHub } from '../src/generation/progress-hub'
import { beat } from '../src/worker/heartbeats'
import { json, makeUser, ORIGIN, signIn, testApp } from './helpers/app'
import { createTestDatabase, type TestDatabase } from './helpers/db'
import { makeTemplate } from './helpers/generation'

/**
 * Every route of the app, asked with inputs an attacker (or a broken script) would send: NUL
 * characters, huge strings, wrong JSON types, malformed bodies, forged cursors and ids, path
 * traversal, repeated parameters. Whatever the answer, it is never a 5xx.
 */

let database: TestDatabase
let app: ReturnType<typeof testApp>['app']
let deps: ReturnType<typeof testApp>['deps']
let cookie: string
let token: string
const ids: Record<string, string> = {}

const b64 = (text: string) => Buffer.from(text).toString('base64url')
const UUID = '00000000-0000-4000-8000-000000000000'
const DASHES = '-'.repeat(36)
const NOT_HEX = 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz'
const HUGE = 'x'.repeat(5_000)

/** Cursors each list might have given out, forged: times Postgres refuses, 36-character non-UUIDs, NULs. */
const FORGED_CURSORS = [
  b64(JSON.stringify(['created_desc', '1', UUID])),
  b64(JSON.stringify(['created_desc', '275760-09-13T00:00:00Z', UUID])),
  b64(JSON.stringify(['created_desc', '2026-11-30T00:00:00Z', DASHES])),
  b64(JSON.stringify(['title_asc', 'a\u0000b', UUID])),
  b64(JSON.stringify(['a\u0000b', UUID])),
  b64(`1|${DASHES}`),
  b64(`2026-02-30 10:00:00+00|${NOT_HEX}`),
  `1_${DASHES}`,
  `+275760-09-13T00:00:00.000Z_${UUID}`,
  `0000-01-01T00:00:00Z_${UUID}`,
  'not a cursor at all !!',
]

/** Query strings with the wrong things in them, for every GET route. */
const HOSTILE_QUERIES = [
  'q=%00&status=%00',
  `q=${HUGE}&batch_id=not-a-uuid&template_id=${DASHES}&tier=T9&limit=-1&sort=bogus&status=bogus&order=bogus&done=bogus&format=bogus`,
  'limit=99999999999999999999999&quality_min=-1e308&quality_max=NaN&from=not-a-date&to=275760-09-13&file=..%2F..%2Fpackage.json&%zz=%zz',
  'status=approved&status=rejected&sort=created_desc&sort=title_asc&limit=1&limit=2&cursor[]=x&next=//evil.example',
]

/** Fields the app's forms and JSON bodies use; each hostile body puts one bad value in all of them. */
const FIELDS = [
  'name',
  'title',
  'description',
  'category',
  'target_tier',
  'system_prompt',
  'prompt',
  'parameters',
  'min_turns',
  'max_turns',
  'template_id',
  'scenario_id',
  'scenario_ids',
  'edge_case_ids',
  'chunk_ids',
  'count_per_item',
  'count',
  'persona',
  'emotion',
  'topic',
  'context',
  'values',
  'action',
  'reasons',
  'comment',
  'version',
  'format',
  'scope',
  'options',
  'email',
  'password',
  'role',
  'disabled',
  'model',
  'max_tokens',
  'requests_per_minute',
  'max_concurrency',
  'status',
  'ids',
  'conversation_ids',
  'turn',
  'content',
  'q',
  'sort',
  'order',
  'next',
  'return_to',
  'confirm',
  'confirmed',
  'tier',
  'batch_id',
  'quality_min',
  'quality_max',
  'expected_version',
  'text',
  'value',
  'reason',
  'message',
  'instructions',
  'max_tokens_per_conversation',
  'retention_days',
  'include_metadata',
  'filter',
  'mode',
] as const

const fill = (value: unknown) => Object.fromEntries(FIELDS.map((field) => [field, value]))

const HOSTILE_JSON: string[] = [
  '{"name": "unterminated',
  '[1, 2, 3]',
  JSON.stringify(fill('nul \u0000 inside')),
  JSON.stringify(fill(HUGE)),
  JSON.stringify(fill(-1e308)),
  JSON.stringify(fill(['an', { nested: [null] }])),
  JSON.stringify({ ...fill('bogus-enum-value'), template_id: NOT_HEX, scenario_id: DASHES, 'key\u0000with nul': 1 }),
]

const form = (value: string) => new URLSearchParams(FIELDS.map((field) => [field, value])).toString()
const HOSTILE_FORMS: string[] = [
  form('nul \u0000 inside'),
  `${FIELDS.map((field) => `${field}=a&${field}=-99999999999999999999&${field}[]=c`).join('&')}&%zz=%zz&name=%E0%A4%A`,
]

/** Values put in place of every path parameter. */
const HOSTILE_PARAMS = [DASHES, '%00', '..%2F..%2F..%2Fetc%2Fpasswd', 'a'.repeat(3000)]

type Sent = { method: string; url: string; init: RequestInit; what: string }
type Answer = { what: string; method: string; url: string; status: number; body: string }

async function send({ method, url, init, what }: Sent): Promise<Answer> {
  const res = await app.request(url, { method, ...init })
  let body = ''
  if (res.headers.get('content-type')?.includes('text/event-stream')) await res.body?.cancel()
  else body = await res.text()
  return { what, method, url: url.slice(0, 160), status: res.status, body: body.slice(0, 300) }
}

/** The real id a path parameter should take on this route, so hostile bodies reach past the lookups. */
function realParam(path: string, name: string): string {
  if (name === 'sid') return ids.scenario!
  if (name === 'eid') return ids.edgeCase!
  if (name === 'version') return '1'
  if (name === 'action') return 'pause'
  if (name === 'turn') return '0'
  if (name === 'file') return path.startsWith('/vendor') ? 'htmx.min.js' : 'app.css'
  if (path.includes('scenarios/')) return ids.scenario!
  if (path.includes('edge-cases/')) return ids.edgeCase!
  if (path.includes('templates')) return ids.template!
  if (path.includes('batches')) return ids.batch!
  if (path.includes('exports')) return ids.export!
  if (path.includes('tokens')) return ids.token!
  if (path.includes('users')) return ids.user!
  return ids.conversation!
}

/** The paged lists: the dashboard, conversations, trash, templates and their scenarios, batches, exports, the review queue. */
const LISTS = /^\/(api\/)?(conversations(\/rows|\/trash)?|templates(\/:id\/scenarios)?|batches|exports|review)?$/

/** Times Date.parse takes and Postgres refuses, for the trash's two-part cursor. */
const FORGED_TIMES = ['1', '275760-09-13T00:00:00Z', '2026-02-30 10:00:00+00', '0000-01-01T00:00:00Z', 'Tue, 1 Dec 2026']

/** The forged cursors as each list takes them: the exports page pages with `before`, the trash with `after_at`/`after_id`. */
function cursorQueries(path: string): string[] {
  if (path === '/conversations/trash') {
    return FORGED_TIMES.flatMap((after_at) => [UUID, DASHES].map((after_id) => new URLSearchParams({ after_at, after_id }).toString()))
  }
  return FORGED_CURSORS.map((cursor) => new URLSearchParams({ [path === '/exports' ? 'before' : 'cursor']: cursor }).toString())
}

const withParams = (path: string, value: (name: string) => string) => path.replace(/:(\w+)(\{[^}]*\})?/g, (_, name: string) => value(name))

function requestsFor(method: string, path: string): Sent[] {
  const sent: Sent[] = []
  const hasParams = path.includes(':')
  const real = withParams(path, (name) => realParam(path, name))
  const unsafe = method !== 'GET'
  const headers = (extra: Record<string, string> = {}) => ({ cookie, origin: ORIGIN, ...extra })
  if (hasParams) {
    for (const value of unsafe ? HOSTILE_PARAMS.slice(0, 2) : HOSTILE_PARAMS) {
      const url = withParams(path, () => value)
      sent.push({ method, url, init: { headers: headers({ accept: 'application/json' }) }, what: `path ${value.slice(0, 20)}` })
    }
  }
  if (!unsafe) {
    for (const q of LISTS.test(path) ? cursorQueries(path) : []) {
      sent.push({ method, url: `${real}?${q}`, init: { headers: headers({ accept: 'application/json' }) }, what: 'forged cursor' })
    }
    HOSTILE_QUERIES.forEach((q, i) => {
      const accept: Record<string, string> = i % 2 ? { accept: 'application/json' } : { 'hx-request': 'true' }
      sent.push({ method, url: `${real}?${q}`, init: { headers: headers(accept) }, what: `query ${i}` })
    })
    return sent
  }
  HOSTILE_JSON.forEach((body, i) => {
    sent.push({ method, url: real, init: { headers: headers({ 'content-type': 'application/json', accept: 'application/json' }), body }, what: `json ${i}` })
  })
  HOSTILE_FORMS.forEach((body, i) => {
    sent.push({ method, url: real, init: { headers: headers({ 'content-type': 'application/x-www-form-urlencoded' }), body }, what: `form ${i}` })
  })
  sent.push({
    method,
    url: real,
    init: { headers: headers({ 'content-type': 'multipart/form-data; boundary=zzz' }), body: '--zzz\r\nbroken' },
    what: 'broken multipart',
  })
  return sent
}

/** Without a session, and with a (write) token, every route still answers with something other than a 5xx. */
function otherCallersFor(method: string, path: string): Sent[] {
  const url = withParams(path, (name) => realParam(path, name))
  const body = (value: unknown) => (method === 'GET' ? undefined : JSON.stringify(fill(value)))
  const type = { 'content-type': 'application/json' }
  return [
    { method, url: `${url}?q=%00`, init: { headers: { origin: ORIGIN, ...type }, body: body('nul \u0000 inside') }, what: 'anonymous, NUL' },
    { method, url, init: { headers: { origin: ORIGIN, ...type }, body: body(HUGE) }, what: 'anonymous, huge' },
    {
      method,
      url: `${url}?cursor=${FORGED_CURSORS[0]}`,
      init: { headers: { authorization: `Bearer ${token}`, ...type }, body: body(['an', { nested: [null] }]) },
      what: 'token, wrong types',
    },
  ]
}

beforeAll(async () => {
  database = await createTestDatabase()
  ;({ app, deps } = testApp(database))
  const admin = await makeUser(database, 'admin')
  cookie = await signIn(app, admin)
  ids.user = (await makeUser(database, 'viewer')).id
  await seedConversations(database.db, { count: 20, createdBy: admin.id })
  const conversation = await database.db.selectFrom('conversations').select('id').where('status', '=', 'pending_review').executeTakeFirstOrThrow()
  ids.conversation = conversation.id
  ids.template = (await makeTemplate(app, cookie)).id
  const post = async (url: string, body: unknown) => {
    const res = await app.request(url, json(body, { cookie, origin: ORIGIN }))
    if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`)
    return (await res.json()) as { id: string; token?: string }
  }
  ids.scenario = (await post('/api/scenarios', { template_id: ids.template, name: 'Late refund', persona: 'retiree', emotion: 'worried', topic: 'refund' })).id
  ids.edgeCase = (await post('/api/edge-cases', { scenario_id: ids.scenario, name: 'Two refunds', description: 'Asks about two at once.' })).id
  ids.batch = (await post('/api/batches', { template_id: ids.template, count_per_item: 2 })).id
  ids.export = (await post('/api/exports', { format: 'json' })).id
  const created = await post('/api/tokens', { name: 'hostile', scope: 'write' })
  ids.token = created.id
  token = created.token!
})
afterAll(async () => {
  // The batch's event stream opened the progress LISTEN connection: hand it back before dropping the database.
  await progressHub(database.pool, deps.log).close()
  await database.drop()
})

test('hostile requests to every route never answer with a 5xx', { timeout: 240_000 }, async () => {
  const routes = [...new Map(app.routes.filter((r) => r.method !== 'ALL' && !r.path.includes('*')).map((r) => [`${r.method} ${r.path}`, r])).values()]
  // Signing out would end the session the rest of the run uses: it goes last.
  routes.sort((a, b) => Number(a.path === '/logout') - Number(b.path === '/logout'))
  expect(routes.length).toBeGreaterThan(100)
  const answers: Answer[] = []
  for (const { method, path } of routes) {
    // A live worker keeps /readyz ready: its 503 means "no worker", which is true here, not a failure.
    await beat(database.db, ['hostile-test'], { hostname: 'test', pid: 1 })
    // One route's requests go together, as a crowd of clients would send them.
    answers.push(...(await Promise.all([...otherCallersFor(method, path), ...requestsFor(method, path)].map(send))))
  }
  const failures = answers.filter((a) => a.status >= 500)
  console.log(`hostile requests: ${answers.length} over ${routes.length} routes, ${failures.length} answered 5xx`)
  expect(answers.length).toBeGreaterThan(700)
  expect(failures).toEqual([])
})

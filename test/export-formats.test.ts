import { createHash } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { beforeEach, expect, test } from 'vitest'
import { createApiToken } from '../src/auth/tokens'
import type { Deps } from '../src/deps'
import { type App, makeUser, useApp } from './helpers/app'
import { insertDocumentWithChunks } from './helpers/chunks'
import type { TestDatabase } from './helpers/db'
import { download, exportNow, insertConversation, insertTemplate } from './helpers/export-fixtures'

let database: TestDatabase
let app: App
let deps: Deps
let auth: Record<string, string>
let editorEmail: string

const SYSTEM = 'You are a helpful support agent.'
const TRICKY = [
  { role: 'user', content: 'Hi, I was charged "twice", on the 3rd and 4th.' },
  { role: 'assistant', content: 'Line one\nLine two\r\nLine three' },
  { role: 'user', content: '=HYPERLINK("http://evil.example","click")' },
  { role: 'assistant', content: '+1 for that; -2 for this; @home\tand a tab' },
]
const PLAIN = [
  { role: 'user', content: 'Ünïcødé question 😀' },
  { role: 'assistant', content: '- a bullet answer' },
]
let tricky: string
let plain: string
let ids: string[]

useApp((t) => ({ database, app, deps } = t))
beforeEach(async () => {
  const editor = await makeUser(database, 'editor')
  editorEmail = editor.email
  auth = { authorization: `Bearer ${(await createApiToken(database.db, editor.id, { name: 'pipeline', scope: 'write' })).token}` }
  const template = await insertTemplate(database.db)
  tricky = await insertConversation(database.db, { turns: TRICKY, title: 'Refund: "double" charge', template })
  plain = await insertConversation(database.db, { turns: PLAIN, title: 'Second | with a pipe', system_prompt: '', simulated: true })
  ids = [tricky, plain]
  await database.db
    .insertInto('review_actions')
    .values({
      conversation_id: tricky,
      reviewer_id: editor.id,
      action: 'approve',
      from_status: 'pending_review',
      to_status: 'approved',
      reasons: [],
      comment: 'Good one',
    })
    .execute()
})

async function fileText(format: string, options: Record<string, unknown> = {}, scope: unknown = { conversation_ids: ids }) {
  const exported = await exportNow(app, deps, auth, { format, scope, options })
  expect(exported.status).toBe('done')
  const { res, bytes } = await download(app, exported.files[0]!.url, auth)
  expect(res.status).toBe(200)
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(exported.sha256)
  expect(bytes.length).toBe(exported.bytes)
  return { text: bytes.toString('utf8'), exported, res }
}

const jsonLines = (text: string) => {
  expect(text.endsWith('\n')).toBe(true)
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown)
}

test('OpenAI JSONL has one {messages} line per conversation, the system prompt first, content byte for byte', async () => {
  const { text, res, exported } = await fileText('openai')
  expect(res.headers.get('content-type')).toBe('application/jsonl; charset=utf-8')
  expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="train-data-openai-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.jsonl"$/)
  expect(jsonLines(text)).toEqual([
    { messages: [{ role: 'system', content: SYSTEM }, ...TRICKY] },
    // An empty system prompt is left out rather than sent empty.
    { messages: PLAIN },
  ])
  expect(exported.count).toBe(2)
})

test('Bedrock JSONL has exactly system and messages, and no system key when the prompt is left out', async () => {
  expect(jsonLines((await fileText('bedrock')).text)).toEqual([{ system: SYSTEM, messages: TRICKY }, { messages: PLAIN }])
  const without = await fileText('bedrock', { include_system_prompt: false })
  expect(jsonLines(without.text)).toEqual([{ messages: TRICKY }, { messages: PLAIN }])
})

test('ShareGPT maps roles to human, gpt and system, and carries id and metadata only when asked', async () => {
  const bare = jsonLines((await fileText('sharegpt', { include_metadata: false })).text)
  expect(bare[0]).toEqual({
    conversations: [{ from: 'system', value: SYSTEM }, ...TRICKY.map((t) => ({ from: t.role === 'user' ? 'human' : 'gpt', value: t.content }))],
  })
  expect(bare[1]).toEqual({ conversations: PLAIN.map((t) => ({ from: t.role === 'user' ? 'human' : 'gpt', value: t.content })) })
  const rich = jsonLines((await fileText('sharegpt')).text) as { id: string; metadata: { template: { name: string } } }[]
  expect(rich.map((r) => r.id)).toEqual(ids)
  expect(rich[0]!.metadata.template.name).toBe('Billing support')
})

test('Hugging Face JSONL has {messages:[{role, content}]} with the system message first', async () => {
  const lines = jsonLines((await fileText('hf', { include_metadata: false })).text)
  expect(lines).toEqual([{ messages: [{ role: 'system', content: SYSTEM }, ...TRICKY] }, { messages: PLAIN }])
})

test('JSON is one valid array of full conversations with template, scenario, quality, review history, tokens and cost', async () => {
  const { text, res } = await fileText('json')
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
  const array = JSON.parse(text) as Record<string, unknown>[]
  expect(array).toHaveLength(2)
  expect(array[0]).toEqual({
    id: tricky,
    system_prompt: SYSTEM,
    turns: TRICKY,
    title: 'Refund: "double" charge',
    status: 'approved',
    tier: 'T2',
    template: { id: expect.any(String), name: 'Billing support', version: 3 },
    scenario: { id: expect.any(String), name: 'Refund with an angry parent' },
    edge_case_id: null,
    batch_id: null,
    persona: 'frustrated parent',
    emotion: 'angry',
    topic: 'refund',
    quality: { score: 8.25, parts: { balance: 9, structure: 7.5 } },
    review_history: [
      {
        action: 'approve',
        from_status: 'pending_review',
        to_status: 'approved',
        reasons: [],
        comment: 'Good one',
        reviewer: editorEmail,
        at: expect.any(String),
      },
    ],
    tokens: { input: 1200, output: 340 },
    cost_usd: 0.0029,
    model: 'claude-haiku-4-5',
    simulated: false,
    created_at: expect.stringMatching(/^2026-01-01T/),
    parent_chunk_id: null,
    document_id: null,
    document_title: null,
    heading_path: null,
  })
  expect(array[1]).toMatchObject({ id: plain, turns: PLAIN, template: null, scenario: null, simulated: true, review_history: [] })
  const bare = JSON.parse((await fileText('json', { include_metadata: false, include_system_prompt: false })).text)
  expect(bare).toEqual([
    { id: tricky, turns: TRICKY },
    { id: plain, turns: PLAIN },
  ])
})

test('formats that carry metadata carry the source chunk, document title and heading path; the platform formats stay bare', async () => {
  const doc = await insertDocumentWithChunks(database.db, 'Billing handbook', ['Refunds go back to the original card.'], { headings: [['Billing', 'Refunds']] })
  const chunkId = doc.chunkIds[0]!
  const context = {
    chunk_id: chunkId,
    document_id: doc.id,
    document_title: 'Billing handbook',
    heading_path: ['Billing', 'Refunds'],
    text: 'Refunds go back to the original card.',
  }
  await database.db
    .updateTable('conversations')
    .set({ parent_chunk_id: chunkId, chunk_context: JSON.stringify(context) })
    .where('id', '=', tricky)
    .execute()
  const source = { parent_chunk_id: chunkId, document_id: doc.id, document_title: 'Billing handbook', heading_path: ['Billing', 'Refunds'] }
  const unsourced = { parent_chunk_id: null, document_id: null, document_title: null, heading_path: null }

  const array = JSON.parse((await fileText('json')).text) as Record<string, unknown>[]
  expect(array[0]).toMatchObject(source)
  expect(array[1]).toMatchObject(unsourced)
  for (const format of ['hf', 'sharegpt']) {
    const lines = jsonLines((await fileText(format)).text) as { metadata: Record<string, unknown> }[]
    expect(lines[0]!.metadata, format).toMatchObject(source)
    expect(lines[1]!.metadata, format).toMatchObject(unsourced)
  }
  const rows = parseCsv((await fileText('csv')).text.slice(1))
  const column = (name: string) => rows[0]!.indexOf(name)
  expect([rows[1]![column('parent_chunk_id')], rows[1]![column('document_title')], rows[1]![column('heading_path')]]).toEqual([
    chunkId,
    'Billing handbook',
    'Billing > Refunds',
  ])
  expect([rows.at(-1)![column('parent_chunk_id')], rows.at(-1)![column('document_title')]]).toEqual(['', ''])
  const markdown = (await fileText('markdown')).text.split('\n---\n')
  expect(markdown[0]).toContain(`| Source chunk | ${chunkId} |`)
  expect(markdown[0]).toContain('| Document | Billing handbook |')
  expect(markdown[0]).toContain('| Heading path | Billing › Refunds |')
  expect(markdown[1]).toContain('| Document | — |')

  // Training-platform lines take no extra keys.
  expect(Object.keys(jsonLines((await fileText('openai')).text)[0] as object)).toEqual(['messages'])
  expect(Object.keys(jsonLines((await fileText('bedrock')).text)[0] as object)).toEqual(['system', 'messages'])

  // The document goes: the link goes, the document title and heading path stay.
  await database.db.deleteFrom('documents').where('id', '=', doc.id).execute()
  const after = JSON.parse((await fileText('json')).text) as Record<string, unknown>[]
  expect(after[0]).toMatchObject({ ...source, parent_chunk_id: null })
  expect((await fileText('markdown')).text).toContain('| Source chunk | gone (deleted or re-chunked) |')
})

/** A small RFC 4180 reader written for this test, independent of the app's writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      i++
    } else cell += ch
  }
  if (cell || row.length) throw new Error('the file does not end with CRLF')
  return rows
}

test('CSV is RFC 4180 with a BOM, one row per turn, line breaks kept in cells and formulas neutralised', async () => {
  const { text, res } = await fileText('csv', { include_metadata: false })
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
  expect(text.startsWith('\uFEFF')).toBe(true)
  const rows = parseCsv(text.slice(1))
  expect(rows[0]).toEqual(['conversation_id', 'turn', 'role', 'content'])
  expect(rows.slice(1)).toEqual([
    [tricky, '1', 'system', SYSTEM],
    [tricky, '2', 'user', TRICKY[0]!.content],
    [tricky, '3', 'assistant', 'Line one\nLine two\r\nLine three'],
    [tricky, '4', 'user', `'=HYPERLINK("http://evil.example","click")`],
    [tricky, '5', 'assistant', `'+1 for that; -2 for this; @home\tand a tab`],
    [plain, '1', 'user', 'Ünïcødé question 😀'],
    [plain, '2', 'assistant', `'- a bullet answer`],
  ])
})

test('CSV with metadata repeats the chosen metadata columns on every turn row', async () => {
  const rows = parseCsv((await fileText('csv')).text.slice(1))
  const header = rows[0]!
  expect(header).toEqual([
    'conversation_id',
    'turn',
    'role',
    'content',
    'title',
    'status',
    'tier',
    'template',
    'template_version',
    'scenario',
    'persona',
    'emotion',
    'topic',
    'quality_score',
    'simulated',
    'model',
    'input_tokens',
    'output_tokens',
    'cost_usd',
    'created_at',
    'parent_chunk_id',
    'document_title',
    'heading_path',
  ])
  const first = Object.fromEntries(header.map((h, i) => [h, rows[1]![i]]))
  expect(first).toMatchObject({
    title: 'Refund: "double" charge',
    status: 'approved',
    tier: 'T2',
    template: 'Billing support',
    template_version: '3',
    scenario: 'Refund with an angry parent',
    quality_score: '8.25',
    simulated: 'false',
    input_tokens: '1200',
    output_tokens: '340',
    cost_usd: '0.0029',
  })
  expect(rows.slice(1).every((r) => r.length === header.length)).toBe(true)
})

test('Markdown has a heading per conversation, a metadata table and labelled turns', async () => {
  const { text, res } = await fileText('markdown')
  expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8')
  const sections = text.split('\n---\n')
  expect(sections).toHaveLength(2)
  expect(sections[0]).toContain('## Refund: "double" charge')
  expect(sections[0]).toContain('| Template | Billing support (v3) |')
  expect(sections[0]).toContain('| Scenario | Refund with an angry parent |')
  expect(sections[0]).toContain(`| ID | ${tricky} |`)
  expect(sections[0]).toContain('**System**\n\n> You are a helpful support agent.')
  expect(sections[0]).toContain('**Assistant**\n\n> Line one\n> Line two\n> Line three')
  expect(sections[1]).toContain('## Second \\| with a pipe')
  expect(sections[1]).toContain('**User**\n\n> Ünïcødé question 😀')
  expect((text.match(/^## /gm) ?? []).length).toBe(2)
})

test('a gzipped export gunzips to the same file, and its sha256 is of the bytes downloaded', async () => {
  const plainText = (await fileText('openai')).text
  const exported = await exportNow(app, deps, auth, { format: 'openai', scope: { conversation_ids: ids }, options: { gzip: true } })
  const { res, bytes } = await download(app, exported.files[0]!.url, auth)
  expect(res.headers.get('content-type')).toBe('application/gzip')
  expect(exported.files[0]!.name).toMatch(/\.jsonl\.gz$/)
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(exported.sha256)
  expect(gunzipSync(bytes).toString('utf8')).toBe(plainText)
})

test('a train/validation split writes two files, deterministic by seed, together holding every conversation once', async () => {
  const many = [...ids]
  for (let i = 0; i < 40; i++) many.push(await insertConversation(database.db, { turns: PLAIN, title: `Extra ${i}` }))
  const run = async (seed: string) => {
    const exported = await exportNow(app, deps, auth, {
      format: 'hf',
      scope: { conversation_ids: many },
      options: { validation_percent: 25, split_seed: seed },
    })
    expect(exported.files.map((f) => f.name)).toEqual([expect.stringMatching(/-train\.jsonl$/), expect.stringMatching(/-validation\.jsonl$/)])
    const [train, validation] = await Promise.all(
      exported.files.map(async (f) => jsonLines((await download(app, f.url, auth)).bytes.toString('utf8')).map((l) => (l as { id: string }).id)),
    )
    expect(exported.files.map((f) => f.count)).toEqual([train!.length, validation!.length])
    return { train: train!, validation: validation! }
  }
  const a = await run('alpha')
  expect([...a.train, ...a.validation].sort()).toEqual([...many].sort())
  expect(a.validation.length).toBeGreaterThan(2)
  expect(a.validation.length).toBeLessThan(25)
  expect(await run('alpha')).toEqual(a)
  expect((await run('beta')).validation).not.toEqual(a.validation)
})

test('OpenAI lists each conversation that breaks its rules in the report, with the reason, and writes the rest', async () => {
  const bad = {
    extraKey: await insertConversation(database.db, {
      turns: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello', mood: 'happy' },
      ],
    }),
    userWeight: await insertConversation(database.db, {
      turns: [
        { role: 'user', content: 'hi', weight: 1 },
        { role: 'assistant', content: 'hello' },
      ],
    }),
    halfWeight: await insertConversation(database.db, {
      turns: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello', weight: 0.5 },
      ],
    }),
    noAssistant: await insertConversation(database.db, { turns: [{ role: 'user', content: 'hi' }] }),
    empty: await insertConversation(database.db, {
      turns: [
        { role: 'user', content: '  ' },
        { role: 'assistant', content: 'hello' },
      ],
    }),
    twoUsers: await insertConversation(database.db, {
      turns: [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
        { role: 'assistant', content: 'c' },
      ],
    }),
    endsWithUser: await insertConversation(database.db, {
      turns: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
      ],
    }),
    noTurns: await insertConversation(database.db, { turns: [] }),
  }
  const weighted = await insertConversation(database.db, {
    turns: [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b', weight: 0 },
    ],
  })
  const exported = await exportNow(app, deps, auth, { format: 'openai', scope: { conversation_ids: [...ids, ...Object.values(bad), weighted] } })
  expect(exported.status).toBe('done')
  expect(exported.count).toBe(3)
  const problems = Object.fromEntries(exported.report.invalid.map((i) => [i.id, i.problems.join('; ')]))
  expect(problems[bad.extraKey]).toContain('keys OpenAI does not accept: mood')
  expect(problems[bad.userWeight]).toContain('only assistant messages may have')
  expect(problems[bad.halfWeight]).toContain('weight 0.5 (only 0 or 1)')
  expect(problems[bad.noAssistant]).toContain('has no assistant turn')
  expect(problems[bad.empty]).toContain('turn 1 (user) is empty')
  expect(problems[bad.twoUsers]).toContain('roles must alternate')
  expect(problems[bad.endsWithUser]).toContain('the last turn must be the assistant')
  expect(problems[bad.noTurns]).toContain('has no turns')
  expect(exported.report.invalid_count).toBe(8)
  const lines = jsonLines((await download(app, exported.files[0]!.url, auth)).bytes.toString('utf8')) as { messages: unknown[] }[]
  expect(lines).toHaveLength(3)
  expect(lines[2]!.messages).toEqual([
    { role: 'system', content: SYSTEM },
    { role: 'user', content: 'a' },
    { role: 'assistant', content: 'b', weight: 0 },
  ])
})

test('OpenAI warns below its 10-example minimum and reports the largest example in tokens', async () => {
  const exported = await exportNow(app, deps, auth, { format: 'openai', scope: { conversation_ids: ids } })
  expect(exported.report.warnings).toContain('OpenAI needs at least 10 examples; this file has 2.')
  const largest = exported.report.largest_example_tokens
  expect(largest).toBeGreaterThan(30)
  expect(exported.report.warnings).toContain(`The largest example is about ${largest} tokens.`)
})

test('Bedrock refuses a conversation that starts with the assistant or is above the token limit', async () => {
  const assistantFirst = await insertConversation(database.db, {
    turns: [
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'ok' },
    ],
  })
  const huge = await insertConversation(database.db, {
    turns: [
      { role: 'user', content: 'x'.repeat(140_000) },
      { role: 'assistant', content: 'ok' },
    ],
  })
  const exported = await exportNow(app, deps, auth, { format: 'bedrock', scope: { conversation_ids: [...ids, assistantFirst, huge] } })
  expect(exported.count).toBe(2)
  const problems = Object.fromEntries(exported.report.invalid.map((i) => [i.id, i.problems.join('; ')]))
  expect(problems[assistantFirst]).toContain('the first turn must be the user')
  expect(problems[huge]).toMatch(/about 350\d\d tokens, above Bedrock's 32000-token limit/)
})

test('only non-simulated leaves simulated conversations out', async () => {
  const exported = await exportNow(app, deps, auth, {
    format: 'hf',
    scope: { conversation_ids: ids },
    options: { only_non_simulated: true, include_metadata: false },
  })
  expect(exported.count).toBe(1)
  expect(jsonLines((await download(app, exported.files[0]!.url, auth)).bytes.toString('utf8'))).toEqual([
    { messages: [{ role: 'system', content: SYSTEM }, ...TRICKY] },
  ])
})

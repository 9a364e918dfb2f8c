import { Hono } from 'hono'
import { describe, expect, test } from 'vitest'
import { DRAFT_KEEP_DAYS, deleteOldDrafts } from '../src/drafts/drafts'
import { toast } from '../src/http/toast'
import { type App, form, json, makeUser, ORIGIN, signIn, type TestUser, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'
import { insertConversations, makeReviewSource } from './helpers/review'

let database: TestDatabase
let app: App
let editor: TestUser
let cookie: string

useApp('editor', (t) => ({ database, app, user: editor, cookie } = t))

/** A form post with repeated fields (reasons=a&reasons=b), as the drafts script sends a form. */
const post = (url: string, fields: [string, string][], who = cookie, headers: Record<string, string> = {}) =>
  app.request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, cookie: who, 'hx-request': 'true', ...headers },
    body: new URLSearchParams(fields).toString(),
  })
const saveDraft = (key: string, fields: Record<string, string>, who = cookie, base?: number) =>
  post(
    '/drafts',
    [['draft_key', key], ...(base === undefined ? [] : [['draft_base_version', String(base)] as [string, string]]), ...Object.entries(fields)],
    who,
  )
const page = async (url: string, who = cookie) => {
  const res = await app.request(url, { headers: { cookie: who } })
  expect(res.status, url).toBe(200)
  return res.text()
}
const drafts = () => database.db.selectFrom('drafts').select(['user_id', 'key', 'fields', 'base_version']).orderBy('key').execute()

/** The template form as a browser posts it: parameters as rows of inputs. */
function templateForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    name: 'Refunds',
    description: '',
    category: 'support',
    target_tier: 'T1',
    system_prompt: 'You write conversations about {{product}}.',
    prompt: 'The customer asks for a refund.',
    'parameters[0][name]': 'product',
    'parameters[0][type]': 'string',
    'parameters[0][required]': 'yes',
    'parameters[0][default]': 'Acme',
    'parameters[0][values]': '',
    'parameters[0][description]': '',
    min_turns: '2',
    max_turns: '6',
    quality_threshold: '0',
    notes: '',
    ...overrides,
  }
}

async function createTemplate(): Promise<string> {
  const res = await app.request('/templates', form(templateForm(), { cookie }))
  expect(res.status).toBe(303)
  return res.headers.get('location')!.match(/\/templates\/([0-9a-f-]{36})/)![1]!
}

describe('a draft of the template form', () => {
  test('is saved as you type, offered on the next visit, restored, and discarded', async () => {
    const save = await saveDraft('template:new', templateForm({ name: 'Half-written' }))
    expect(save.status).toBe(200)
    expect(await save.text()).toMatch(/Draft saved at \d\d:\d\d UTC/)
    expect(await database.db.selectFrom('templates').select('id').execute()).toEqual([])

    const offered = await page('/templates/new')
    expect(offered).toMatch(/You have an unsaved draft from \d\d:\d\d UTC/)
    expect(offered).toContain('Restore draft')
    expect(offered).toContain('href="/templates/new?draft=template%3Anew"')
    expect(offered).not.toContain('value="Half-written"')
    expect(offered).toContain('data-draft-key="template:new"')

    const restored = await page('/templates/new?draft=template%3Anew')
    expect(restored).toContain('value="Half-written"')
    expect(restored).not.toContain('Restore draft')
    // Restoring changes nothing on the server: the draft stays until the form is saved or it is discarded.
    expect(await drafts()).toHaveLength(1)

    const discard = await post(
      '/drafts/discard',
      [
        ['draft_key', 'template:new'],
        ['return_to', '/templates/new'],
      ],
      cookie,
      { 'hx-request': 'false' },
    )
    expect(discard.status).toBe(303)
    expect(discard.headers.get('location')).toBe('/templates/new')
    expect(await drafts()).toEqual([])
    expect(await page('/templates/new')).not.toContain('unsaved draft')
  })

  test('is deleted when the template is saved', async () => {
    const id = await createTemplate()
    await saveDraft(`template:${id}`, templateForm({ name: 'Refunds, renamed' }), cookie, 1)
    expect(await page(`/templates/${id}/edit`)).toContain('unsaved draft')
    expect((await app.request(`/templates/${id}`, form(templateForm({ name: 'Refunds, renamed', base_version: '1' }), { cookie }))).status).toBe(303)
    expect(await drafts()).toEqual([])
    expect(await page(`/templates/${id}/edit`)).not.toContain('unsaved draft')
  })

  test('that only repeats what is saved is not offered, and opening the form keeps it', async () => {
    const id = await createTemplate()
    await saveDraft(`template:${id}`, templateForm(), cookie, 1)
    expect(await page(`/templates/${id}/edit`)).not.toContain('unsaved draft')
    expect((await drafts()).map((d) => d.key)).toEqual([`template:${id}`])
  })

  test('says so when the template was saved again since the draft was started', async () => {
    const id = await createTemplate()
    await saveDraft(`template:${id}`, templateForm({ notes: 'my unsaved note' }), cookie, 1)
    // Someone else saves version 2.
    const other = await signIn(app, await makeUser(database, 'editor'))
    expect((await app.request(`/templates/${id}`, form(templateForm({ category: 'billing', base_version: '1' }), { cookie: other }))).status).toBe(303)
    const offered = await page(`/templates/${id}/edit`)
    expect(offered).toContain('The template changed since: the draft started from version 1, it is now at version 2.')
    // Restored, the form keeps the version it started from, so saving it is refused rather than overwriting version 2.
    const restored = await page(`/templates/${id}/edit?draft=template%3A${id}`)
    expect(restored).toContain('my unsaved note')
    expect(restored).toContain('name="base_version" value="1"')
    const save = await app.request(`/templates/${id}`, form(templateForm({ notes: 'my unsaved note', base_version: '1' }), { cookie }))
    expect(save.status).toBe(409)
    expect(await drafts()).toHaveLength(1)
  })
})

describe('drafts of the other long forms', () => {
  test('the scenario and edge case forms keep drafts, restored separately on one page and deleted on save', async () => {
    const source = await makeReviewSource(database.db)
    const scenarioPage = `/templates/${source.templateId}/scenarios/${source.scenarioId}`
    await saveDraft(`scenario:${source.scenarioId}`, {
      name: 'Refund, edited',
      persona: 'a retired teacher',
      emotion: '',
      topic: '',
      context: '',
      intent: '',
      tone: '',
    })
    await saveDraft(`edge-case:new:${source.scenarioId}`, { name: 'Hostile', type: 'hostility', description: 'Shouts in capitals', complexity: '8' })
    const offered = await page(scenarioPage)
    expect(offered.match(/Restore draft/g)).toHaveLength(2)

    const scenarioRestored = await page(`${scenarioPage}?draft=${encodeURIComponent(`scenario:${source.scenarioId}`)}`)
    expect(scenarioRestored).toContain('a retired teacher')
    expect(scenarioRestored).not.toContain('Shouts in capitals')
    const edgeRestored = await page(`${scenarioPage}?draft=${encodeURIComponent(`edge-case:new:${source.scenarioId}`)}`)
    expect(edgeRestored).toContain('Shouts in capitals')

    const created = await app.request(
      `${scenarioPage}/edge-cases`,
      form({ name: 'Hostile', type: 'hostility', description: 'Shouts in capitals', complexity: '8' }, { cookie }),
    )
    expect(created.status).toBe(303)
    expect((await drafts()).map((d) => d.key)).toEqual([`scenario:${source.scenarioId}`])

    await saveDraft(`scenario:new:${source.templateId}`, { name: 'Brand new scenario', persona: 'student' })
    const newPage = await page(`/templates/${source.templateId}/scenarios/new?draft=${encodeURIComponent(`scenario:new:${source.templateId}`)}`)
    expect(newPage).toContain('value="Brand new scenario"')
    expect((await app.request(`/templates/${source.templateId}/scenarios`, form({ name: 'Brand new scenario', persona: 'student' }, { cookie }))).status).toBe(
      303,
    )
    expect((await drafts()).map((d) => d.key)).toEqual([`scenario:${source.scenarioId}`])
  })

  test('the generate form keeps its choices, checkboxes included', async () => {
    const templateId = await createTemplate()
    const save = await post('/drafts', [
      ['draft_key', 'generate'],
      ['template_id', templateId],
      ['grid_persona', 'nurse'],
      ['grid_persona', 'pilot'],
      ['count_per_item', '7'],
    ])
    expect(save.status).toBe(200)
    expect((await drafts())[0]).toMatchObject({ key: 'generate', fields: { template_id: templateId, grid_persona: ['nurse', 'pilot'], count_per_item: '7' } })
    expect(await page('/generate')).toContain('Restore draft')
    const restored = await page('/generate?draft=generate')
    expect(restored).toMatch(/name="count_per_item" type="number" min="1" max="\d+" value="7"/)
  })

  test('the settings forms keep drafts for administrators only', async () => {
    const admin = await signIn(app, await makeUser(database, 'admin'))
    expect((await saveDraft('settings:review', { reasons: 'off_topic: Off topic', auto_approve_above: '9.5' })).status).toBe(403)
    expect((await saveDraft('settings:review', { reasons: 'off_topic: Off topic', auto_approve_above: '9.5', auto_reject_below: '' }, admin)).status).toBe(200)
    expect(await page('/review/settings', admin)).toContain('Restore draft')
    expect(await page('/review/settings?draft=settings%3Areview', admin)).toContain('value="9.5"')
    expect(
      (await app.request('/review/settings', form({ reasons: 'off_topic: Off topic', auto_approve_above: '9.5', auto_reject_below: '' }, { cookie: admin })))
        .status,
    ).toBe(303)
    expect(await drafts()).toEqual([])

    expect((await saveDraft('settings:ai', { max_tokens: '1234', password: 'hunter2', new_password: 'hunter3' }, admin)).status).toBe(200)
    // Secrets are never kept in a draft.
    expect((await drafts())[0]!.fields).toEqual({ max_tokens: '1234' })
    expect(await page('/settings/ai?draft=settings%3Aai', admin)).toContain('value="1234"')
  })

  test('a review comment is kept per conversation, says when the conversation changed, and goes once a decision is made', async () => {
    const source = await makeReviewSource(database.db)
    const [id] = await insertConversations(database.db, source, [7])
    const reviewer = await signIn(app, await makeUser(database, 'reviewer'))
    const key = `review-comment:${id}`
    const save = await post(
      '/drafts',
      [
        ['draft_key', key],
        ['draft_base_version', '1'],
        ['action', 'reject'],
        ['version', '1'],
        ['reasons', 'off_topic'],
        ['reasons', 'formatting'],
        ['comment', 'Drifts into shipping halfway'],
      ],
      reviewer,
    )
    expect(save.status).toBe(200)
    expect(await page(`/review/${id}`, reviewer)).toContain('Restore draft')
    const restored = await page(`/review/${id}?draft=${encodeURIComponent(key)}`, reviewer)
    expect(restored).toContain('value="Drifts into shipping halfway"')
    expect(restored).toMatch(/id="reject-panel" data-modal="true" open=""/)

    await database.db.updateTable('conversations').set({ version: 2 }).where('id', '=', id!).execute()
    expect(await page(`/review/${id}`, reviewer)).toContain('The conversation changed since: the draft started from version 1, it is now at version 2.')

    const decision = await post(
      `/review/${id}`,
      [
        ['action', 'reject'],
        ['version', '2'],
        ['reasons', 'off_topic'],
        ['comment', 'Drifts into shipping halfway'],
      ],
      reviewer,
      { 'hx-request': 'false' },
    )
    expect(decision.status).toBe(303)
    expect(await drafts()).toEqual([])
  })
})

describe('drafts are private and checked', () => {
  test('one user can neither see nor discard another user’s draft', async () => {
    await saveDraft('template:new', templateForm({ name: 'Mine only' }))
    const other = await signIn(app, await makeUser(database, 'editor'))
    expect(await page('/templates/new', other)).not.toContain('unsaved draft')
    expect(await page('/templates/new?draft=template%3Anew', other)).not.toContain('Mine only')
    // Discarding names a key, never a user: it deletes only the caller's own draft.
    expect((await post('/drafts/discard', [['draft_key', 'template:new']], other)).status).toBe(200)
    expect((await drafts()).map((d) => [d.user_id, d.key])).toEqual([[editor.id, 'template:new']])
    // The other's own draft of the same form is theirs alone.
    await saveDraft('template:new', templateForm({ name: 'Theirs' }), other)
    expect(await page('/templates/new?draft=template%3Anew')).toContain('value="Mine only"')
  })

  test('a role that cannot save a form keeps no draft of it', async () => {
    const viewer = await signIn(app, await makeUser(database, 'viewer'))
    expect((await saveDraft('template:new', templateForm(), viewer)).status).toBe(403)
    expect((await saveDraft(`review-comment:${editor.id}`, { comment: 'x' })).status).toBe(403)
    expect(await drafts()).toEqual([])
  })

  test('bad keys and bodies are refused with a 400 and nothing kept', async () => {
    for (const key of ['', '../etc', 'template:', 'template:not-an-id', 'settings:users', 'review-comment:new', `template:new${'x'.repeat(300)}`]) {
      const res = await saveDraft(key, { name: 'x' })
      expect(res.status, key).toBe(400)
    }
    expect((await post('/drafts', [['name', 'no key']])).status).toBe(400)
    expect(
      (
        await post('/drafts', [
          ['draft_key', 'generate'],
          ['draft_base_version', 'abc'],
        ])
      ).status,
    ).toBe(400)
    const jsonBody = await app.request('/drafts', json({ draft_key: 'generate', count_per_item: { nested: true } }, { cookie, origin: ORIGIN }))
    expect(jsonBody.status).toBe(400)
    expect(await jsonBody.json()).toMatchObject({ error: { code: 'validation_failed' } })
    expect((await post('/drafts/discard', [['draft_key', '../etc']])).status).toBe(400)
    expect(await drafts()).toEqual([])
  })

  test('a draft over the size limit is refused', async () => {
    const res = await saveDraft('template:new', templateForm({ notes: 'x'.repeat(70 * 1024) }))
    expect(res.status).toBe(413)
    const many = await post('/drafts', [['draft_key', 'generate'], ...Array.from({ length: 301 }, (_, i): [string, string] => [`f${i}`, 'x'])])
    expect(many.status).toBe(413)
    expect(await drafts()).toEqual([])
  })

  test('a discard from a form goes back only to a page of this site', async () => {
    const res = await post(
      '/drafts/discard',
      [
        ['draft_key', 'generate'],
        ['return_to', 'https://evil.example/'],
      ],
      cookie,
      { 'hx-request': 'false' },
    )
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/')
  })
})

describe('toasts', () => {
  test('an htmx discard answers with a toast in HX-Trigger', async () => {
    await saveDraft('generate', { count_per_item: '3' })
    const res = await post('/drafts/discard', [['draft_key', 'generate']])
    expect(res.status).toBe(200)
    expect(JSON.parse(res.headers.get('hx-trigger')!)).toEqual({ toast: { kind: 'info', message: 'Draft discarded.' } })
  })

  test('a review decision through htmx shows its result with an undo', async () => {
    const source = await makeReviewSource(database.db)
    const [id] = await insertConversations(database.db, source, [7, 6])
    const reviewer = await signIn(app, await makeUser(database, 'reviewer'))
    const res = await post(
      `/review/${id}`,
      [
        ['action', 'approve'],
        ['version', '1'],
      ],
      reviewer,
    )
    expect(res.status).toBe(200)
    const { toast } = JSON.parse(res.headers.get('hx-trigger')!)
    expect(toast).toMatchObject({ kind: 'success', message: 'Approved.', undo: { url: expect.stringMatching(/^\/review\/undo\?/), label: 'Undo' } })
    // The toast's undo is a plain form post: it takes the decision back and shows the conversation again.
    const undo = await post(toast.undo.url, [], reviewer, { 'hx-request': 'false' })
    expect(undo.status).toBe(303)
    expect(await database.db.selectFrom('conversations').select('status').where('id', '=', id!).executeTakeFirstOrThrow()).toEqual({ status: 'pending_review' })
  })

  test('an action posted by htmx answers with its toast and shows the page again; a plain form still gets its redirect', async () => {
    const source = await makeReviewSource(database.db)
    const [mine, theirs] = await insertConversations(database.db, source, [7, 6])
    const byHtmx = await post(`/conversations/${mine}/delete`, [['version', '1']])
    expect(byHtmx.status).toBe(204)
    expect(JSON.parse(byHtmx.headers.get('hx-location')!)).toEqual({ path: '/', target: '#main', select: '#main', swap: 'outerHTML' })
    // An editor cannot take a conversation out of the trash, so no undo is offered.
    expect(JSON.parse(byHtmx.headers.get('hx-trigger')!)).toEqual({ toast: { kind: 'success', message: 'Conversation moved to the trash.' } })

    const admin = await signIn(app, await makeUser(database, 'admin'))
    const asAdmin = await post(`/conversations/${theirs}/delete`, [['version', '1']], admin)
    const { toast: shown } = JSON.parse(asAdmin.headers.get('hx-trigger')!)
    expect(shown.undo).toEqual({ url: `/conversations/${theirs}/restore`, label: 'Restore from trash' })
    const undo = await post(shown.undo.url, [], admin, { 'hx-request': 'false' })
    expect(undo.status).toBe(303)
    expect(await database.db.selectFrom('conversations').select('deleted_at').where('id', '=', theirs!).executeTakeFirstOrThrow()).toEqual({ deleted_at: null })

    const plain = await post(`/conversations/${theirs}/delete`, [], admin, { 'hx-request': 'false' })
    expect(plain.status).toBe(303)
    expect(plain.headers.get('location')).toBe('/?done=deleted')
    expect(plain.headers.get('hx-trigger')).toBeNull()
  })

  test('revoking a token and marking notifications read answer htmx with a toast', async () => {
    const created = await app.request('/api/tokens', json({ name: 'script' }, { cookie, origin: ORIGIN }))
    const { id } = await created.json()
    const revoke = await post(`/settings/tokens/${id}/revoke`, [])
    expect(revoke.status).toBe(204)
    expect(JSON.parse(revoke.headers.get('hx-trigger')!).toast).toMatchObject({ kind: 'success', message: expect.stringContaining('Token revoked') })
    const read = await post('/notifications/read-all', [])
    expect(JSON.parse(read.headers.get('hx-trigger')!).toast).toMatchObject({ kind: 'success', message: 'All notifications marked as read.' })
  })

  test('text beyond ASCII travels in the header as JSON escapes, and reads back the same', async () => {
    const probe = new Hono()
    probe.get('/', (c) => {
      toast(c, { kind: 'error', message: 'Café — “not saved”', reference: 'E-7Q2K' })
      return c.body(null, 204)
    })
    const header = (await probe.request('/')).headers.get('hx-trigger')!
    expect(header).toMatch(/^[\x20-\x7e]+$/)
    expect(JSON.parse(header)).toEqual({ toast: { kind: 'error', message: 'Café — “not saved”', reference: 'E-7Q2K' } })
  })
})

describe('old drafts', () => {
  test('a draft untouched for 30 days is forgotten by the hourly cleanup; a recent one stays', async () => {
    expect((await saveDraft('template:new', templateForm({ name: 'Left behind' }))).status).toBe(200)
    expect((await saveDraft('generate', { count: '10' })).status).toBe(200)
    const old = new Date(Date.now() - (DRAFT_KEEP_DAYS + 1) * 86_400_000)
    await database.db.updateTable('drafts').set({ updated_at: old }).where('key', '=', 'template:new').execute()
    expect(await deleteOldDrafts(database.db)).toBe(1)
    expect((await drafts()).map((d) => d.key)).toEqual(['generate'])
    expect(await page('/templates/new')).not.toContain('Restore draft')
    expect(await deleteOldDrafts(database.db)).toBe(0)
  })
})

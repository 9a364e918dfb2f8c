import { describe, expect, test } from 'vitest'
import { typedValues, typeOfValue, valuesFromForm, valueTextsFromForm } from '../src/templates/value-fields'
import { type App, form, json, makeUser, ORIGIN, signIn, type TestUser, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'

let database: TestDatabase
let app: App
let editor: TestUser
let cookie: string

useApp('editor', (t) => ({ database, app, user: editor, cookie } = t))

const support = {
  name: 'Support chat',
  system_prompt: 'You write realistic support conversations for {{product}}.',
  prompt: 'A {{mood}} customer asks about {{topic}} and has {{orders}} orders. Premium: {{premium}}.',
  parameters: [
    { name: 'product', type: 'string', required: true, default: 'Acme Cloud' },
    { name: 'mood', type: 'enum', required: true, values: ['calm', 'angry'], default: 'calm' },
    { name: 'topic', type: 'string', required: true },
    { name: 'orders', type: 'number', required: false, default: 3 },
    { name: 'premium', type: 'boolean', required: false, default: false },
  ],
  min_turns: 4,
  max_turns: 8,
}

const api = (body: unknown, method = 'POST') => json(body, { cookie, origin: ORIGIN }, method)

async function createTemplate(body: Record<string, unknown> = support): Promise<{ id: string; version: number }> {
  const res = await app.request('/api/templates', api(body))
  expect(res.status).toBe(201)
  return res.json()
}

const count = async (table: 'templates' | 'template_versions') =>
  Number(
    (
      await database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )

/** The template form as a browser posts it: parameters as rows of inputs. */
function templateForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    name: 'Refunds',
    description: 'Customers asking for their money back',
    category: 'support',
    target_tier: 'T1',
    system_prompt: 'You write conversations about {{product}}.',
    prompt: 'The customer is {{mood}}.',
    'parameters[0][name]': 'product',
    'parameters[0][type]': 'string',
    'parameters[0][required]': 'yes',
    'parameters[0][default]': 'Acme',
    'parameters[0][values]': '',
    'parameters[0][description]': '',
    'parameters[1][name]': 'mood',
    'parameters[1][type]': 'enum',
    'parameters[1][required]': 'no',
    'parameters[1][default]': 'calm',
    'parameters[1][values]': 'calm, angry',
    'parameters[1][description]': 'How the customer feels',
    'parameters[2][name]': '',
    'parameters[2][type]': 'string',
    'parameters[2][required]': 'no',
    'parameters[2][default]': '',
    'parameters[2][values]': '',
    'parameters[2][description]': '',
    min_turns: '4',
    max_turns: '6',
    quality_threshold: '6.5',
    notes: '',
    ...overrides,
  }
}

describe('the JSON API', () => {
  test('POST /api/templates creates a template at version 1 with its snapshot', async () => {
    const res = await app.request('/api/templates', api(support))
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body).toMatchObject({
      id: expect.any(String),
      name: 'Support chat',
      version: 1,
      min_turns: 4,
      max_turns: 8,
      target_tier: 'T1',
      quality_threshold: 6,
    })
    expect(body.parameters).toEqual([
      { name: 'product', type: 'string', required: true, default: 'Acme Cloud' },
      { name: 'mood', type: 'enum', required: true, values: ['calm', 'angry'], default: 'calm' },
      { name: 'topic', type: 'string', required: true },
      { name: 'orders', type: 'number', required: false, default: 3 },
      { name: 'premium', type: 'boolean', required: false, default: false },
    ])
    const versions = await database.db.selectFrom('template_versions').selectAll().where('template_id', '=', body.id).execute()
    expect(versions).toHaveLength(1)
    expect(versions[0]).toMatchObject({ version: 1, created_by: editor.id })
    expect(versions[0]!.snapshot).toMatchObject({ name: 'Support chat', prompt: support.prompt, parameters: body.parameters })
  })

  test('GET /api/templates/:id returns the template with its versions, and PUT saves a new version', async () => {
    const { id } = await createTemplate()
    const put = await app.request(`/api/templates/${id}`, api({ ...support, name: 'Support chat v2', base_version: 1 }, 'PUT'))
    expect(put.status).toBe(200)
    expect(await put.json()).toMatchObject({ id, name: 'Support chat v2', version: 2 })
    const res = await app.request(`/api/templates/${id}`, { headers: { cookie } })
    const body = await res.json()
    expect(body).toMatchObject({ id, version: 2, name: 'Support chat v2' })
    expect(body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1])
  })

  test('a save from a stale version is refused with 409 and changes nothing', async () => {
    const { id } = await createTemplate()
    expect((await app.request(`/api/templates/${id}`, api({ ...support, name: 'First' }, 'PUT'))).status).toBe(200)
    const stale = await app.request(`/api/templates/${id}`, api({ ...support, name: 'Second', base_version: 1 }, 'PUT'))
    expect(stale.status).toBe(409)
    expect((await stale.json()).error.code).toBe('conflict')
    const row = await database.db.selectFrom('templates').select(['name', 'version']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(row).toEqual({ name: 'First', version: 2 })
  })

  const invalidCases: [string, Record<string, unknown>, string, RegExp][] = [
    ['an undefined placeholder', { ...support, prompt: 'About {{topic}} and {{weather}}' }, 'prompt', /\{\{weather\}\} is not a defined parameter/],
    ['unbalanced braces', { ...support, system_prompt: 'You write about {{product}' }, 'system_prompt', /opens a placeholder that is not closed/],
    ['a stray closing brace', { ...support, prompt: 'About {{topic}} }} done' }, 'prompt', /closes a placeholder that was never opened/],
    [
      'duplicate parameter names',
      { ...support, parameters: [...support.parameters, { name: 'topic', type: 'string', required: false }] },
      'parameters.5.name',
      /“topic” is defined twice/,
    ],
    [
      'an enum without values',
      { ...support, parameters: support.parameters.map((p) => (p.name === 'mood' ? { name: 'mood', type: 'enum', required: true } : p)) },
      'parameters.1.values',
      /An enum needs its allowed values/,
    ],
    [
      'a wrong-typed default',
      { ...support, parameters: support.parameters.map((p) => (p.name === 'orders' ? { ...p, default: 'many' } : p)) },
      'parameters.3.default',
      /The default does not fit the type: must be a number/,
    ],
    [
      'an enum default outside its values',
      { ...support, parameters: support.parameters.map((p) => (p.name === 'mood' ? { ...p, default: 'sleepy' } : p)) },
      'parameters.1.default',
      /must be one of: calm, angry/,
    ],
    [
      'a required parameter without a type',
      { ...support, parameters: support.parameters.map((p) => (p.name === 'topic' ? { name: 'topic', required: true } : p)) },
      'parameters.2.type',
      /A required parameter needs a type/,
    ],
    [
      'an invalid parameter name',
      { ...support, parameters: [...support.parameters, { name: '2fast', type: 'string', required: false }] },
      'parameters.5.name',
      /letters, digits and _/,
    ],
    ['more minimum than maximum turns', { ...support, min_turns: 9, max_turns: 4 }, 'max_turns', /at least the minimum \(9\)/],
    ['a missing name', { ...support, name: '' }, 'name', /Give the template a name/],
  ]
  test.each(invalidCases)('a template with %s is refused with 400, a message for the field, and nothing saved', async (_what, body, field, message) => {
    const res = await app.request('/api/templates', api(body))
    expect(res.status).toBe(400)
    const { error } = await res.json()
    expect(error.code).toBe('validation_failed')
    expect(error.fields[field]).toMatch(message)
    expect(error.message).toContain(field)
    expect(await count('templates')).toBe(0)
    expect(await count('template_versions')).toBe(0)
  })

  test('an internal portal can post the template as a form with an API token, and gets JSON back', async () => {
    const token = (await (await app.request('/api/tokens', api({ name: 'portal' }))).json()).token
    const res = await app.request('/api/templates', form({ ...templateForm(), api_token: token }, { origin: 'https://portal.example' }))
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ name: 'Refunds', version: 1, parameters: [{ name: 'product' }, { name: 'mood', values: ['calm', 'angry'] }] })
    const bad = await app.request(
      '/api/templates',
      form({ ...templateForm({ 'parameters[1][values]': '' }), api_token: token }, { origin: 'https://portal.example' }),
    )
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.fields).toEqual({ 'parameters.1.values': 'An enum needs its allowed values' })
  })

  test('an invalid edit is refused and leaves the template and its versions as they were', async () => {
    const { id } = await createTemplate()
    const res = await app.request(`/api/templates/${id}`, api({ ...support, prompt: '{{nope}}' }, 'PUT'))
    expect(res.status).toBe(400)
    expect(await count('template_versions')).toBe(1)
    expect((await database.db.selectFrom('templates').select('version').executeTakeFirstOrThrow()).version).toBe(1)
  })

  test('an unknown or malformed template id is a 404', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await app.request(`/api/templates/${id}`, { headers: { cookie } })
      expect(res.status).toBe(404)
      expect((await res.json()).error).toEqual({ code: 'not_found', message: 'No such template.' })
    }
  })

  test('a viewer can read templates but cannot create, change or delete one', async () => {
    const { id } = await createTemplate()
    const viewerCookie = await signIn(app, await makeUser(database, 'viewer'))
    const read = await app.request(`/api/templates/${id}`, { headers: { cookie: viewerCookie } })
    expect(read.status).toBe(200)
    const create = await app.request('/api/templates', json(support, { cookie: viewerCookie, origin: ORIGIN }))
    expect(create.status).toBe(403)
    expect((await create.json()).error.code).toBe('forbidden')
    expect((await app.request(`/api/templates/${id}`, json(support, { cookie: viewerCookie, origin: ORIGIN }, 'PUT'))).status).toBe(403)
    expect((await app.request(`/api/templates/${id}`, { method: 'DELETE', headers: { cookie: viewerCookie, origin: ORIGIN } })).status).toBe(403)
    const page = await app.request('/templates', form(templateForm(), { cookie: viewerCookie }))
    expect(page.status).toBe(403)
    expect((await app.request(`/templates/${id}`, { headers: { cookie: viewerCookie } })).status).toBe(200)
    expect((await app.request(`/templates/${id}/preview`, { headers: { cookie: viewerCookie } })).status).toBe(200)
    for (const formPage of ['/templates/new', `/templates/${id}/edit`, `/templates/${id}/scenarios/new`]) {
      expect((await app.request(formPage, { headers: { cookie: viewerCookie } })).status).toBe(403)
    }
    expect(await count('templates')).toBe(1)
  })

  test('the list is searchable and paged by cursor without repeats', async () => {
    for (let i = 0; i < 7; i++) await createTemplate({ ...support, name: `Billing ${i}` })
    await createTemplate({ ...support, name: 'Onboarding' })
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const query: string = `/api/templates?q=billing&limit=3${cursor ? `&cursor=${cursor}` : ''}`
      const page = (await (await app.request(query, { headers: { cookie } })).json()) as { items: { name: string }[]; next_cursor: string | null }
      seen.push(...page.items.map((item) => item.name))
      cursor = page.next_cursor
    } while (cursor)
    expect(seen).toEqual(['Billing 6', 'Billing 5', 'Billing 4', 'Billing 3', 'Billing 2', 'Billing 1', 'Billing 0'])
  })

  test('preview fills values exactly, names what is missing or unknown, and estimates tokens and cost', async () => {
    const { id } = await createTemplate()
    const res = await app.request(`/api/templates/${id}/preview`, api({ values: { mood: 'angry', orders: 12, colour: 'red' } }))
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.system_prompt).toBe('You write realistic support conversations for Acme Cloud.')
    expect(body.prompt).toBe('A angry customer asks about {{topic}} and has 12 orders. Premium: false.')
    expect(body.missing).toEqual(['topic'])
    expect(body.unknown).toEqual(['colour'])
    expect(body.exact).toBe(false)
    expect(body.model).toBe('claude-haiku-4-5')
    expect(body.estimate.input_tokens).toBeGreaterThan(Math.ceil(body.prompt.length / 4))
    expect(body.estimate.cost_usd).toBeGreaterThan(0)
  })
})

describe('versions', () => {
  test('every save is a new version; two versions can be diffed line by line, escaped', async () => {
    const { id } = await createTemplate()
    const changed = { ...support, prompt: 'A {{mood}} customer asks about {{topic}}.\n<b>Be brief</b>\nOrders: {{orders}}, premium {{premium}}.' }
    expect((await app.request(`/api/templates/${id}`, api(changed, 'PUT'))).status).toBe(200)
    const page = await app.request(`/templates/${id}`, { headers: { cookie } })
    const html = await page.text()
    expect(html).toContain('data-version="2"')
    expect(html).toContain('data-version="1"')
    const diff = await app.request(`/templates/${id}/diff?from=1&to=2`, { headers: { cookie } })
    expect(diff.status).toBe(200)
    const text = await diff.text()
    expect(text).toContain('data-field="prompt"')
    expect(text).not.toContain('data-field="system_prompt"')
    expect(text).toMatch(/class="diff-removed"[^>]*>- A \{\{mood\}\} customer asks about \{\{topic\}\} and has/)
    expect(text).toMatch(/class="diff-added"[^>]*>\+ &lt;b&gt;Be brief&lt;\/b&gt;/)
    expect(text).not.toContain('<b>Be brief</b>')
  })

  test('restoring an old version makes a new version equal to it', async () => {
    const { id } = await createTemplate()
    await app.request(`/api/templates/${id}`, api({ ...support, name: 'Renamed', min_turns: 6 }, 'PUT'))
    const res = await app.request(`/templates/${id}/versions/1/restore`, form({}, { cookie }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/templates/${id}?done=restored`)
    const template = await database.db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    expect(template).toMatchObject({ name: 'Support chat', min_turns: 4, version: 3 })
    const versions = await database.db
      .selectFrom('template_versions')
      .select(['version', 'snapshot'])
      .where('template_id', '=', id)
      .orderBy('version')
      .execute()
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3])
    expect(versions[2]!.snapshot).toEqual(versions[0]!.snapshot)
    expect((await app.request(`/templates/${id}/versions/9/restore`, form({}, { cookie }))).status).toBe(404)
  })
})

describe('the pages', () => {
  test('the form creates a template from rows of parameter inputs, ignoring blank rows', async () => {
    const res = await app.request('/templates', form(templateForm(), { cookie }))
    expect(res.status).toBe(303)
    const template = await database.db.selectFrom('templates').selectAll().executeTakeFirstOrThrow()
    expect(res.headers.get('location')).toBe(`/templates/${template.id}?done=created`)
    expect(template.parameters).toEqual([
      { name: 'product', type: 'string', required: true, default: 'Acme' },
      { name: 'mood', type: 'enum', required: false, default: 'calm', values: ['calm', 'angry'], description: 'How the customer feels' },
    ])
    expect(Number(template.quality_threshold)).toBe(6.5)
    const page = await app.request(res.headers.get('location')!, { headers: { cookie } })
    expect(await page.text()).toContain('Template created (version 1).')
  })

  test('an invalid form is shown again with what was typed and a message beside each field', async () => {
    const res = await app.request(
      '/templates',
      form(templateForm({ prompt: 'The customer is {{mood}} about {{topic}}', 'parameters[1][values]': '', max_turns: '2' }), { cookie }),
    )
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toContain('The template was not saved')
    expect(html).toContain('{{topic}} is not a defined parameter')
    expect(html).toContain('An enum needs its allowed values')
    expect(html).toContain('Must be at least the minimum (4)')
    expect(html).toContain('value="Refunds"')
    expect(html).toContain('How the customer feels')
    expect(await count('templates')).toBe(0)
  })

  test('"Add a parameter row" shows one more blank row without saving', async () => {
    const res = await app.request('/templates', form({ ...templateForm(), add_row: '1' }, { cookie }))
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('name="parameters[3][name]"')
    expect(html).not.toContain('name="parameters[4][name]"')
    expect(await count('templates')).toBe(0)
  })

  test('editing through the form saves a new version and a stale form is refused with 409', async () => {
    const { id } = await createTemplate()
    const edit = await app.request(`/templates/${id}/edit`, { headers: { cookie } })
    const html = await edit.text()
    expect(html).toContain('name="base_version" value="1"')
    expect(html).toContain('value="Support chat"')
    const save = await app.request(`/templates/${id}`, form(templateForm({ base_version: '1' }), { cookie }))
    expect(save.status).toBe(303)
    const stale = await app.request(`/templates/${id}`, form(templateForm({ base_version: '1', name: 'Mine' }), { cookie }))
    expect(stale.status).toBe(409)
    expect(await stale.text()).toContain('saved by someone else')
    const row = await database.db.selectFrom('templates').select(['name', 'version']).executeTakeFirstOrThrow()
    expect(row).toEqual({ name: 'Refunds', version: 2 })
  })

  test('duplicate copies the current fields into a new template at version 1', async () => {
    const { id } = await createTemplate()
    const res = await app.request(`/templates/${id}/duplicate`, form({}, { cookie }))
    expect(res.status).toBe(303)
    const copyId = res.headers.get('location')!.match(/\/templates\/([0-9a-f-]{36})/)![1]!
    expect(copyId).not.toBe(id)
    const copy = await database.db.selectFrom('templates').selectAll().where('id', '=', copyId).executeTakeFirstOrThrow()
    expect(copy).toMatchObject({ name: 'Support chat (copy)', version: 1, prompt: support.prompt })
    expect(await count('template_versions')).toBe(2)
  })

  test('archiving hides a template from the active list; it shows under archived', async () => {
    const { id } = await createTemplate()
    expect((await app.request(`/templates/${id}/archive`, form({}, { cookie }))).status).toBe(303)
    const active = await (await app.request('/templates', { headers: { cookie } })).text()
    expect(active).not.toContain('data-template="Support chat"')
    const archived = await (await app.request('/templates?archived=1', { headers: { cookie } })).text()
    expect(archived).toContain('data-template="Support chat"')
    expect((await app.request(`/templates/${id}/unarchive`, form({}, { cookie }))).status).toBe(303)
    expect(await (await app.request('/templates', { headers: { cookie } })).text()).toContain('data-template="Support chat"')
  })

  test('a template nothing was made from can be deleted; one with conversations cannot', async () => {
    const unused = await createTemplate()
    const res = await app.request(`/templates/${unused.id}/delete`, form({ confirmed: 'true' }, { cookie }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/templates?done=deleted')
    expect(await count('templates')).toBe(0)

    const used = await createTemplate()
    await database.db.insertInto('conversations').values({ template_id: used.id, tier: 'T1', status: 'draft', turns: '[]', parameters: '{}' }).execute()
    const refused = await app.request(`/templates/${used.id}/delete`, form({ confirmed: 'true' }, { cookie }))
    expect(refused.status).toBe(409)
    expect(await refused.text()).toContain('Archive it instead')
    const api409 = await app.request(`/api/templates/${used.id}`, { method: 'DELETE', headers: { cookie, origin: ORIGIN } })
    expect(api409.status).toBe(409)
    expect(await count('templates')).toBe(1)
  })

  test('the list page searches with htmx by returning only the rows', async () => {
    await createTemplate({ ...support, name: 'Billing questions' })
    await createTemplate({ ...support, name: 'Password resets' })
    const res = await app.request('/templates?q=billing', { headers: { cookie, 'hx-request': 'true' } })
    const html = await res.text()
    expect(html.startsWith('<div id="template-rows">')).toBe(true)
    expect(html).toContain('Billing questions')
    expect(html).not.toContain('Password resets')
  })

  test('the preview page shows the resolved prompts with the sample values and names missing ones', async () => {
    const { id } = await createTemplate()
    const res = await app.request(`/templates/${id}/preview`, form({ 'values.topic': 'refunds <now>', 'values.orders': 'lots' }, { cookie }))
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('A calm customer asks about refunds &lt;now&gt; and has 3 orders. Premium: false.')
    expect(html).toContain('orders (Must be a number)')
    expect(html).toMatch(/Estimated for one conversation with claude-haiku-4-5: about <strong>\d+<\/strong> input tokens/)
    const missing = await (await app.request(`/templates/${id}/preview`, { headers: { cookie } })).text()
    expect(missing).toContain('data-missing="topic"')
    // Parameter values are named values.<name> in every form, as on /generate and the regenerate form.
    expect(missing).toContain('name="values.topic"')
  })
})

describe('parameter values in forms', () => {
  const body = {
    'values.topic': 'refunds',
    'values.orders': '3',
    'values.premium': 'false',
    'values.note': '',
    'values.twice': ['a', 'b'],
    topic: 'not a value',
  }

  test('every form reads values.<name> inputs as typed, a repeated key once or not at all', () => {
    expect(valueTextsFromForm(body)).toEqual({ topic: 'refunds', orders: '3', premium: 'false', note: '' })
  })

  test('values are typed by the template parameters, and a blank one is not given', () => {
    const parameters = [
      { name: 'topic', type: 'string' as const, required: true },
      { name: 'orders', type: 'number' as const, required: false },
      { name: 'premium', type: 'boolean' as const, required: false },
      { name: 'note', type: 'string' as const, required: false },
    ]
    expect(valuesFromForm(body, parameters)).toEqual({ topic: 'refunds', orders: 3, premium: false })
  })

  test('a changed value is typed like the value it replaces (the regenerate form)', () => {
    const old: Record<string, unknown> = { orders: 2, premium: true, topic: 'refunds' }
    expect(typedValues({ orders: '5', premium: 'false', topic: '7' }, (name) => typeOfValue(old[name]))).toEqual({ orders: 5, premium: false, topic: '7' })
  })
})

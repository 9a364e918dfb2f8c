import { beforeEach, describe, expect, test } from 'vitest'
import { findEdgeCaseWithScenario, findScenarioWithTemplate } from '../src/templates/queries'
import { type App, form, json, makeUser, ORIGIN, signIn, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'

let database: TestDatabase
let app: App
let cookie: string
let templateId: string

const api = (body: unknown, method = 'POST') => json(body, { cookie, origin: ORIGIN }, method)

const template = {
  name: 'Travel desk',
  system_prompt: 'You write conversations between a travel agent and {{persona}}.',
  prompt: 'The traveller is {{emotion}} about {{destination}}, {{nights}} nights, flexible: {{flexible}}, class {{class}}.',
  parameters: [
    { name: 'persona', type: 'string', required: true },
    { name: 'emotion', type: 'string', required: false, default: 'curious' },
    { name: 'destination', type: 'string', required: true },
    { name: 'nights', type: 'number', required: false, default: 3 },
    { name: 'flexible', type: 'boolean', required: false },
    { name: 'class', type: 'enum', required: false, values: ['economy', 'business'] },
  ],
  min_turns: 4,
  max_turns: 10,
}

const scenario = {
  name: 'Anxious first flight',
  persona: 'a retired teacher',
  emotion: 'anxious',
  topic: 'first flight',
  values: { destination: 'Lisbon', nights: 5, flexible: true, class: 'economy' },
}

useApp('editor', (t) => ({ database, app, cookie } = t))
beforeEach(async () => {
  const res = await app.request('/api/templates', api(template))
  expect(res.status).toBe(201)
  templateId = (await res.json()).id
})

async function createScenario(body: Record<string, unknown> = scenario): Promise<{ id: string }> {
  const res = await app.request('/api/scenarios', api({ template_id: templateId, ...body }))
  expect(res.status).toBe(201)
  return res.json()
}

const scenarioCount = async () => (await database.db.selectFrom('scenarios').select('id').execute()).length

describe('the JSON API', () => {
  test('POST /api/scenarios creates a scenario with typed values for the template', async () => {
    const res = await app.request('/api/scenarios', api({ template_id: templateId, ...scenario }))
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({
      id: expect.any(String),
      template_id: templateId,
      name: 'Anxious first flight',
      persona: 'a retired teacher',
      emotion: 'anxious',
      topic: 'first flight',
      context: '',
      values: { destination: 'Lisbon', nights: 5, flexible: true, class: 'economy' },
    })
  })

  const refused: [string, Record<string, unknown>, string, string][] = [
    ['a value for a name the template does not define', { weather: 'rain' }, 'values.weather', 'Not a parameter of this template'],
    ['a number parameter given text', { nights: 'five' }, 'values.nights', 'Must be a number'],
    ['a boolean parameter given text', { flexible: 'yes' }, 'values.flexible', 'Must be true or false'],
    ['an enum value outside its allowed values', { class: 'first' }, 'values.class', 'Must be one of: economy, business'],
    ['a string parameter given a number', { destination: 7 }, 'values.destination', 'Must be text'],
  ]
  test.each(refused)('a scenario with %s is refused with 400 naming the value, and nothing is saved', async (_what, values, field, message) => {
    const res = await app.request('/api/scenarios', api({ template_id: templateId, name: 'x', values }))
    expect(res.status).toBe(400)
    const { error } = await res.json()
    expect(error.code).toBe('validation_failed')
    expect(error.fields).toEqual({ [field]: message })
    expect(error.message).toContain(field)
    expect(await scenarioCount()).toBe(0)
  })

  test('a scenario for an unknown template is a 404, and one without a template id a 400', async () => {
    const unknown = await app.request('/api/scenarios', api({ template_id: '00000000-0000-4000-8000-000000000000', name: 'x' }))
    expect(unknown.status).toBe(404)
    expect((await unknown.json()).error.message).toBe('No such template.')
    const missing = await app.request('/api/scenarios', api({ name: 'x' }))
    expect(missing.status).toBe(400)
    expect((await missing.json()).error.fields.template_id).toBeDefined()
    expect(await scenarioCount()).toBe(0)
  })

  test('PUT /api/scenarios/:id validates values the same way and keeps the scenario on a failure', async () => {
    const { id } = await createScenario()
    const bad = await app.request(`/api/scenarios/${id}`, api({ ...scenario, values: { nights: 'many' } }, 'PUT'))
    expect(bad.status).toBe(400)
    const good = await app.request(`/api/scenarios/${id}`, api({ ...scenario, tone: 'warm', values: { destination: 'Porto' } }, 'PUT'))
    expect(good.status).toBe(200)
    expect(await good.json()).toMatchObject({ id, tone: 'warm', values: { destination: 'Porto' } })
  })

  test('POST /api/edge-cases adds an edge case to a scenario; GET /api/scenarios/:id lists them', async () => {
    const { id } = await createScenario()
    const res = await app.request(
      '/api/edge-cases',
      api({ scenario_id: id, name: 'Missed connection', description: 'The first leg is delayed four hours.', type: 'disruption', complexity: 8 }),
    )
    expect(res.status).toBe(201)
    const edgeCase = await res.json()
    expect(edgeCase).toMatchObject({ id: expect.any(String), scenario_id: id, name: 'Missed connection', type: 'disruption', complexity: 8 })
    const withDefault = await app.request('/api/edge-cases', api({ scenario_id: id, name: 'Vague', description: 'Never says where.' }))
    expect((await withDefault.json()).complexity).toBe(5)
    const got = await (await app.request(`/api/scenarios/${id}`, { headers: { cookie } })).json()
    expect(got.edge_cases.map((e: { name: string }) => e.name)).toEqual(['Missed connection', 'Vague'])
  })

  test('an edge case needs a description and a complexity from 1 to 10, and a scenario that exists', async () => {
    const { id } = await createScenario()
    for (const [body, field] of [
      [{ scenario_id: id, name: 'x', description: '' }, 'description'],
      [{ scenario_id: id, name: 'x', description: 'd', complexity: 11 }, 'complexity'],
      [{ scenario_id: id, name: 'x', description: 'd', complexity: 0 }, 'complexity'],
      [{ name: 'x', description: 'd' }, 'scenario_id'],
    ] as const) {
      const res = await app.request('/api/edge-cases', api(body))
      expect(res.status).toBe(400)
      expect((await res.json()).error.fields[field]).toBeDefined()
    }
    const unknown = await app.request('/api/edge-cases', api({ scenario_id: '00000000-0000-4000-8000-000000000000', name: 'x', description: 'd' }))
    expect(unknown.status).toBe(404)
    expect(await database.db.selectFrom('edge_cases').selectAll().execute()).toEqual([])
  })

  test('a viewer can read scenarios but cannot create scenarios or edge cases', async () => {
    const { id } = await createScenario()
    const viewer = await signIn(app, await makeUser(database, 'viewer'))
    expect((await app.request(`/api/scenarios/${id}`, { headers: { cookie: viewer } })).status).toBe(200)
    const create = await app.request('/api/scenarios', json({ template_id: templateId, name: 'x' }, { cookie: viewer, origin: ORIGIN }))
    expect(create.status).toBe(403)
    const edge = await app.request('/api/edge-cases', json({ scenario_id: id, name: 'x', description: 'd' }, { cookie: viewer, origin: ORIGIN }))
    expect(edge.status).toBe(403)
    const page = await app.request(`/templates/${templateId}/scenarios`, form({ name: 'x' }, { cookie: viewer }))
    expect(page.status).toBe(403)
    expect(await scenarioCount()).toBe(1)
  })

  test('a template\u2019s scenarios are listed by name in keyset pages', async () => {
    for (const name of ['Delta', 'Alpha', 'Charlie', 'Bravo', 'Echo']) await createScenario({ name })
    const names: string[] = []
    let cursor: string | null = null
    do {
      const url: string = `/api/templates/${templateId}/scenarios?limit=2${cursor ? `&cursor=${cursor}` : ''}`
      const page = (await (await app.request(url, { headers: { cookie } })).json()) as { items: { name: string }[]; next_cursor: string | null }
      names.push(...page.items.map((item) => item.name))
      cursor = page.next_cursor
    } while (cursor)
    expect(names).toEqual(['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo'])
    const foreign = await app.request(`/api/templates/${templateId}/scenarios?cursor=bm9wZQ`, { headers: { cookie } })
    expect(foreign.status).toBe(400)
  })

  test('deleting a scenario deletes its edge cases', async () => {
    const { id } = await createScenario()
    await app.request('/api/edge-cases', api({ scenario_id: id, name: 'x', description: 'd' }))
    expect((await app.request(`/api/scenarios/${id}`, { method: 'DELETE', headers: { cookie, origin: ORIGIN } })).status).toBe(204)
    expect(await scenarioCount()).toBe(0)
    expect(await database.db.selectFrom('edge_cases').selectAll().execute()).toEqual([])
    expect((await app.request(`/api/scenarios/${id}`, { method: 'DELETE', headers: { cookie, origin: ORIGIN } })).status).toBe(404)
  })

  test('preview with a scenario shows the message exactly as generation sends it', async () => {
    const { id } = await createScenario()
    const res = await app.request(`/api/templates/${templateId}/preview`, api({ scenario_id: id, values: { nights: 2 } }))
    const body = await res.json()
    expect(body.exact).toBe(true)
    expect(body.missing).toEqual([])
    expect(body.system_prompt).toBe('You write conversations between a travel agent and a retired teacher.')
    // The filled prompt, then the scenario's facts the prompt did not use, then the turn instructions.
    const [filled, facts, instructions] = body.prompt.split('\n\n')
    expect(filled).toBe('The traveller is anxious about Lisbon, 2 nights, flexible: true, class economy.')
    expect(facts).toBe('Scenario:\n- topic: first flight')
    expect(instructions).toMatch(/^Write between 4 and 10 turns/)
  })
})

test('preview with an edge case adds the hard variant to the message; one of another template is not found', async () => {
  const { id } = await createScenario()
  const edge = await (
    await app.request(
      '/api/edge-cases',
      api({ scenario_id: id, name: 'Strike', type: 'disruption', description: 'Air traffic control is on strike.', complexity: 9 }),
    )
  ).json()
  const body = await (await app.request(`/api/templates/${templateId}/preview`, api({ edge_case_id: edge.id }))).json()
  expect(body.exact).toBe(true)
  expect(body.prompt).toContain('Edge case (disruption), complexity 9/10: Air traffic control is on strike.')
  const page = await (await app.request(`/templates/${templateId}/preview?edge_case_id=${edge.id}`, { headers: { cookie } })).text()
  expect(page).toContain('Air traffic control is on strike.')
  const other = await (await app.request('/api/templates', api({ ...template, name: 'Other' }))).json()
  expect((await app.request(`/api/templates/${other.id}/preview`, api({ edge_case_id: edge.id }))).status).toBe(404)
})

describe('the pages', () => {
  test('the new scenario form types values by the template parameters and leaves blanks unset', async () => {
    const res = await app.request(
      `/templates/${templateId}/scenarios`,
      form(
        {
          name: 'Budget family',
          persona: 'a parent of three',
          emotion: 'stressed',
          'values.destination': 'Rome',
          'values.nights': '7',
          'values.flexible': 'false',
          'values.class': '',
        },
        { cookie },
      ),
    )
    expect(res.status).toBe(303)
    const row = await database.db.selectFrom('scenarios').selectAll().executeTakeFirstOrThrow()
    expect(res.headers.get('location')).toBe(`/templates/${templateId}/scenarios/${row.id}?done=scenario_created`)
    expect(row).toMatchObject({ name: 'Budget family', persona: 'a parent of three', values: { destination: 'Rome', nights: 7, flexible: false } })
    const templatePage = await (await app.request(`/templates/${templateId}`, { headers: { cookie } })).text()
    expect(templatePage).toContain('data-scenario="Budget family"')
    const scenarioPage = await (await app.request(`/templates/${templateId}/scenarios/${row.id}`, { headers: { cookie } })).text()
    expect(scenarioPage).toMatch(/name="values\.nights"[^>]*value="7"/)
  })

  test('a wrong-typed value re-renders the form with the message beside it and saves nothing', async () => {
    const res = await app.request(`/templates/${templateId}/scenarios`, form({ name: 'Bad', 'values.nights': 'a week', 'values.class': 'first' }, { cookie }))
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toContain('Must be a number')
    expect(html).toContain('Must be one of: economy, business')
    expect(html).toContain('value="a week"')
    expect(await scenarioCount()).toBe(0)
  })

  test('a scenario can be edited and deleted from its page', async () => {
    const { id } = await createScenario()
    const page = await app.request(`/templates/${templateId}/scenarios/${id}`, { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('value="Lisbon"')
    const save = await app.request(
      `/templates/${templateId}/scenarios/${id}`,
      form({ name: 'Calmer', persona: 'a pilot', 'values.destination': 'Oslo' }, { cookie }),
    )
    expect(save.status).toBe(303)
    expect(await database.db.selectFrom('scenarios').select(['name', 'persona', 'values']).executeTakeFirstOrThrow()).toEqual({
      name: 'Calmer',
      persona: 'a pilot',
      values: { destination: 'Oslo' },
    })
    const del = await app.request(`/templates/${templateId}/scenarios/${id}/delete`, form({}, { cookie }))
    expect(del.status).toBe(303)
    expect(del.headers.get('location')).toBe(`/templates/${templateId}?done=scenario_deleted`)
    expect(await scenarioCount()).toBe(0)
  })

  test('edge cases are added, edited and deleted from the scenario page', async () => {
    const { id } = await createScenario()
    const base = `/templates/${templateId}/scenarios/${id}`
    const invalid = await app.request(`${base}/edge-cases`, form({ name: 'Too hard', description: 'x', complexity: '12' }, { cookie }))
    expect(invalid.status).toBe(400)
    expect(await invalid.text()).toContain('From 1 to 10')
    const add = await app.request(
      `${base}/edge-cases`,
      form({ name: 'Lost passport', type: 'emergency', description: 'Passport lost the day before.', complexity: '9' }, { cookie }),
    )
    expect(add.status).toBe(303)
    const edgeCase = await database.db.selectFrom('edge_cases').selectAll().executeTakeFirstOrThrow()
    expect(edgeCase).toMatchObject({ name: 'Lost passport', type: 'emergency', complexity: 9 })
    expect(await (await app.request(base, { headers: { cookie } })).text()).toContain('data-edge-case="Lost passport"')
    const edit = await app.request(
      `${base}/edge-cases/${edgeCase.id}`,
      form({ name: 'Lost passport', description: 'Passport stolen at the airport.', complexity: '10' }, { cookie }),
    )
    expect(edit.status).toBe(303)
    expect(await database.db.selectFrom('edge_cases').select(['description', 'complexity']).executeTakeFirstOrThrow()).toEqual({
      description: 'Passport stolen at the airport.',
      complexity: 10,
    })
    expect((await app.request(`${base}/edge-cases/${edgeCase.id}/delete`, form({}, { cookie }))).status).toBe(303)
    expect(await database.db.selectFrom('edge_cases').selectAll().execute()).toEqual([])
  })

  test('a scenario reached through another template is not found', async () => {
    const { id } = await createScenario()
    const other = await (await app.request('/api/templates', api({ ...template, name: 'Other' }))).json()
    expect((await app.request(`/templates/${other.id}/scenarios/${id}`, { headers: { cookie } })).status).toBe(404)
    expect((await app.request(`/templates/${templateId}/scenarios/not-a-uuid`, { headers: { cookie } })).status).toBe(404)
  })
})

test('generation can load a scenario or edge case with the template it belongs to', async () => {
  const { id } = await createScenario()
  const edge = await (await app.request('/api/edge-cases', api({ scenario_id: id, name: 'x', description: 'd' }))).json()
  const found = await findScenarioWithTemplate(database.db, id)
  expect(found?.template.id).toBe(templateId)
  expect(found?.scenario.values).toEqual(scenario.values)
  const withEdge = await findEdgeCaseWithScenario(database.db, edge.id)
  expect(withEdge).toMatchObject({ edgeCase: { id: edge.id }, scenario: { id }, template: { id: templateId } })
})

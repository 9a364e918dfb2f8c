import { expect, test } from 'vitest'
import { costOf, listPrice, messageBatchDiscount, modelPrice } from '../src/generation/cost'
import { type App, form, json, useApp } from './helpers/app'

let app: App
let cookie: string

useApp('admin', (t) => ({ app, cookie } = t))

const api = (path: string, init: RequestInit = {}) => app.request(`/api/settings/ai${path}`, { ...init, headers: { cookie, ...(init.headers ?? {}) } })
const configurations = async () => (await (await api('/configurations')).json()).items as { id: string; name: string; active: boolean; model: string }[]

test('the settings in use are the first configuration, active', async () => {
  const settings = await (await api('')).json()
  const [first, ...others] = await configurations()
  expect(others).toEqual([])
  expect(first).toMatchObject({ name: 'Default', active: true, model: settings.model })
  expect(settings.configuration_id).toBe(first!.id)
})

test('a new configuration with its own prices, activated, is what generation uses and prices by', async () => {
  const made = await api(
    '/configurations',
    json({ name: 'Cheap', model: 'claude-haiku-4-5', requests_per_minute: 30, prices: { input: 0.5 }, batch_discount: 0.4 }, { cookie }),
  )
  expect(made.status).toBe(201)
  const cheap = await made.json()
  expect(cheap).toMatchObject({ name: 'Cheap', active: false, model: 'claude-haiku-4-5', requests_per_minute: 30, prices: { input: 0.5 }, batch_discount: 0.4 })

  const activated = await api(`/configurations/${cheap.id}/activate`, json({}, { cookie }))
  expect(activated.status).toBe(200)
  const settings = await (await api('')).json()
  expect(settings).toMatchObject({
    model: 'claude-haiku-4-5',
    requests_per_minute: 30,
    prices: { input: 0.5 },
    batch_discount: 0.4,
    configuration_id: cheap.id,
  })
  // Every cost is priced through the active configuration: input at its price, the rest at the list price.
  expect(modelPrice('claude-haiku-4-5')).toMatchObject({ input: 0.5, output: listPrice('claude-haiku-4-5').output })
  expect(costOf('claude-haiku-4-5', { input_tokens: 1_000_000, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 })).toBe(0.5)
  expect(messageBatchDiscount()).toBe(0.4)
  expect((await configurations()).map((c) => [c.name, c.active])).toEqual([
    ['Cheap', true],
    ['Default', false],
  ])

  // Changing the active settings changes the active configuration.
  await api('', json({ max_tokens: 3000 }, { cookie }, 'PUT'))
  expect((await configurations()).find((c) => c.name === 'Cheap')).toMatchObject({ max_tokens: 3000 })
  const trail = await (await app.request('/api/admin/audit?type=ai_settings', { headers: { cookie } })).json()
  expect(trail.items.map((i: { summary: string }) => i.summary)).toContain('AI configuration "Cheap" activated')
})

test('a taken name, a bad price or deleting the active configuration is refused; another is deleted', async () => {
  const taken = await api('/configurations', json({ name: 'default' }, { cookie }))
  expect(taken.status).toBe(400)
  expect((await taken.json()).error.fields).toHaveProperty('name')
  const badPrice = await api('/configurations', json({ name: 'X', prices: { input: -1 } }, { cookie }))
  expect(badPrice.status).toBe(400)
  expect((await badPrice.json()).error.fields).toHaveProperty(['prices.input'])

  const [active] = await configurations()
  expect((await api(`/configurations/${active!.id}`, { method: 'DELETE', headers: { origin: 'http://localhost' } })).status).toBe(409)
  const spare = await (await api('/configurations', json({ name: 'Spare' }, { cookie }))).json()
  expect((await api(`/configurations/${spare.id}`, { method: 'DELETE', headers: { origin: 'http://localhost' } })).status).toBe(204)
  expect((await configurations()).map((c) => c.name)).toEqual(['Default'])
})

test('on the page: add a configuration, activate it, and edit the active prices (blank: the list price)', async () => {
  const added = await app.request('/settings/ai/configurations', form({ name: 'Fast', model: 'claude-haiku-4-5' }, { cookie }))
  expect(added.status).toBe(303)
  const fast = (await configurations()).find((c) => c.name === 'Fast')!
  const page = await (await app.request('/settings/ai', { headers: { cookie } })).text()
  expect(page).toContain(`action="/settings/ai/configurations/${fast.id}/activate"`)
  expect((await app.request(`/settings/ai/configurations/${fast.id}/activate`, form({}, { cookie }))).status).toBe(303)
  const saved = await app.request(
    '/settings/ai',
    form({ 'prices.input': '', 'prices.output': '4', 'prices.cache_write': '', 'prices.cache_read': '', batch_discount: '0.5' }, { cookie }),
  )
  expect(saved.status).toBe(303)
  expect(await (await api('')).json()).toMatchObject({ model: 'claude-haiku-4-5', prices: { output: 4 }, configuration_id: fast.id })
  const refused = await app.request('/settings/ai', form({ 'prices.output': 'lots' }, { cookie }))
  expect(refused.status).toBe(400)
  expect(await refused.text()).toContain('must be dollars per million tokens')
})

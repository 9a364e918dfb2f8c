import { afterAll, beforeAll, expect, test } from 'vitest'
import type { FakeAnthropic } from './fake-anthropic/server'
import { form, json, makeUser, signIn, testApp } from './helpers/app'
import { createTestDatabase, type TestDatabase } from './helpers/db'
import { useFakeAnthropic, viaFake } from './helpers/generation'

let database: TestDatabase
let fake: FakeAnthropic

useFakeAnthropic((f) => (fake = f))
beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(() => database.drop())

test('"Test configuration" without a key makes one simulated call and reports its latency, tokens and cost', async () => {
  const { app } = testApp(database)
  const admin = await signIn(app, await makeUser(database, 'admin'))
  const res = await app.request('/api/settings/ai/test', json({}, { cookie: admin }))
  expect(res.status).toBe(200)
  const result = await res.json()
  expect(result).toMatchObject({ ok: true, simulated: true, model: expect.any(String) })
  expect(result.latency_ms).toBeGreaterThanOrEqual(0)
  expect(result.input_tokens).toBeGreaterThan(0)
  expect(result.output_tokens).toBeGreaterThan(0)
  expect(result.cost_usd).toBeGreaterThan(0)
  const page = await (await app.request('/settings/ai/test', form({}, { cookie: admin }))).text()
  expect(page).toMatch(/answered in \d+ ms: \d+ input and \d+ output tokens, \$[\d.]+\./)

  const editor = await signIn(app, await makeUser(database, 'editor'))
  expect((await app.request('/api/settings/ai/test', json({}, { cookie: editor }))).status).toBe(403)
})

test("a configuration whose call fails is reported as not working, with the API's reason, through the real SDK", async () => {
  const { app } = testApp(database, viaFake(fake))
  const admin = await signIn(app, await makeUser(database, 'admin'))
  fake.enqueue({ kind: 'overloaded' })
  const result = await (await app.request('/api/settings/ai/test', json({}, { cookie: admin }))).json()
  expect(result).toMatchObject({ ok: false, simulated: false, input_tokens: 0, cost_usd: 0 })
  expect(result.error).toMatch(/overloaded/i)
  const ok = await (await app.request('/api/settings/ai/test', json({}, { cookie: admin }))).json()
  expect(ok).toMatchObject({ ok: true, simulated: false })
})

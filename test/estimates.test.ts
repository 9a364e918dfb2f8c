import { sql } from 'kysely'
import { expect, test } from 'vitest'
import { seedConversations } from '../src/conversations/seed'
import { type App, form, json, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'
import { makeTemplate } from './helpers/generation'

let database: TestDatabase
let app: App
let cookie: string

useApp('editor', (t) => ({ database, app, cookie } = t))

const estimateFor = async (templateId: string, values: Record<string, string> = {}) => {
  const res = await app.request('/api/batches', json({ template_id: templateId, count_per_item: 4, values }, { cookie }))
  expect(res.status, await res.clone().text()).toBe(201)
  return (await res.json()).estimate
}

test('a template with past conversations is estimated from their real token counts, and says so', async () => {
  await seedConversations(database.db, { count: 300 })
  const { rows } = await sql<{ template_id: string; n: number; output: number }>`
    select template_id, count(*)::int as n, avg(output_tokens)::float8 as output from conversations
    where output_tokens > 0 and status in ('pending_review', 'approved', 'rejected', 'needs_revision')
    group by template_id order by count(*) desc limit 1`.execute(database.db)
  const seeded = rows[0]!
  expect(seeded.n).toBeGreaterThanOrEqual(20)
  const estimate = await estimateFor(seeded.template_id, { persona: 'a customer', emotion: 'calm', topic: 'refunds' })
  expect(estimate.calibrated_from).toBe(Math.min(seeded.n, 500))
  expect(estimate.output_tokens).toBe(Math.round(estimate.calls * seeded.output))

  const fresh = await makeTemplate(app, cookie)
  expect((await estimateFor(fresh.id)).calibrated_from).toBeNull()
  const fields = { template_id: seeded.template_id, count_per_item: '2', 'values.persona': 'a customer', 'values.emotion': 'calm', 'values.topic': 'refunds' }
  const page = await (await app.request('/generate/preview', form(fields, { cookie }))).text()
  expect(page).toContain(`Based on ${Math.min(seeded.n, 500)} past conversations of this template.`)
})

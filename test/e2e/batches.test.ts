import type { Browser, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { insertTemplate } from '../../src/templates/queries'
import { makeUser } from '../helpers/app'
import { signInAs, useBrowserApp, withPage } from '../helpers/browser'
import type { TestDatabase } from '../helpers/db'
import { setAiSettings } from '../helpers/generation'
import type { RunningApp } from '../helpers/server'

let database: TestDatabase
let server: RunningApp
let browser: Browser

// With the worker: the batch really generates (through the simulator), a conversation a second.
useBrowserApp((t) => ({ database, server, browser } = t))

const count = async (page: Page, name: string) => Number(await page.textContent(`#batch-progress [data-count=${name}]`))

test('a batch started from the generate page shows its progress live, pauses (no ETA while paused), resumes and is cancelled', async () => {
  const admin = await makeUser(database, 'admin')
  const editor = await makeUser(database, 'editor')
  await setAiSettings(database, admin.id, { requests_per_minute: 60, max_concurrency: 1 })
  const template = await insertTemplate(
    database.db,
    {
      name: 'Card support',
      description: '',
      category: 'support',
      target_tier: 'T1',
      system_prompt: 'You write support conversations for a bank.',
      prompt: 'A customer asks about {{topic}}.',
      parameters: [{ name: 'topic', type: 'string', required: true }],
      min_turns: 4,
      max_turns: 6,
      quality_threshold: 0,
      notes: '',
    },
    null,
  )
  await withPage(browser, async (page) => {
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    await signInAs(page, server.url, editor)
    await page.goto(`${server.url}/generate?template_id=${template.id}`)
    await page.fill('[name="values.topic"]', 'a lost card')
    await page.fill('[name=count_per_item]', '12')
    // The cost is seen before anything starts.
    await Promise.all([page.waitForURL(/\/generate\/preview/), page.click('button:text-is("Preview cost")')])
    expect(await page.textContent('#estimate')).toMatch(/12\s*calls/)
    await Promise.all([page.waitForURL(/\/batches\/[0-9a-f-]{36}$/), page.click('button:text-is("Start batch")')])
    const batchId = new URL(page.url()).pathname.split('/').pop()!

    // Progress arrives over the event stream: the page is never reloaded.
    await page.waitForFunction(() => Number(document.querySelector('#batch-progress [data-count=done]')?.textContent) >= 2, undefined, { timeout: 20_000 })
    expect(Number(await page.getAttribute('#batch-progress progress', 'value'))).toBeGreaterThanOrEqual(2)
    expect(await page.textContent('#batch-progress [data-eta]')).not.toBe('—')

    await page.click('#batch-progress button:has-text("Pause")')
    await page.waitForSelector('#batch-progress[data-status=paused]', { timeout: 10_000 })
    expect(await page.textContent('#batch-progress [data-eta]')).toBe('paused')
    expect(await page.$('#batch-progress button:has-text("Pause")')).toBeNull()
    await page.waitForTimeout(1_500) // a call already under way may still finish
    const whilePaused = await count(page, 'done')
    await page.waitForTimeout(2_500)
    expect(await count(page, 'done')).toBe(whilePaused)

    await page.click('#batch-progress button:has-text("Resume")')
    await page.waitForSelector('#batch-progress[data-status=running]', { timeout: 10_000 })
    await page.waitForFunction((before) => Number(document.querySelector('#batch-progress [data-count=done]')?.textContent) > before, whilePaused, {
      timeout: 20_000,
    })

    // Cancel asks first, on a page of its own; keeping the batch changes nothing.
    await Promise.all([page.waitForURL(/\/cancel$/), page.click('#batch-progress button:has-text("Cancel")')])
    await Promise.all([page.waitForURL(`${server.url}/batches/${batchId}`), page.click('text=Keep it')])
    expect(await page.getAttribute('#batch-progress', 'data-status')).toBe('running')
    await Promise.all([page.waitForURL(/\/cancel$/), page.click('#batch-progress button:has-text("Cancel")')])
    await Promise.all([page.waitForURL(/\/batches\/[0-9a-f-]{36}/), page.click('button:has-text("Cancel the batch")')])
    await page.waitForSelector('#batch-progress[data-status=cancelled]', { timeout: 10_000 })
    expect(await page.textContent('#batch-progress [data-cancelled]')).toMatch(/not generated because the batch was cancelled/)
    expect(errors).toEqual([])

    const rows = await database.db.selectFrom('conversations').select('status').where('batch_id', '=', batchId).execute()
    const statuses = rows.map((r) => r.status)
    expect(statuses).toHaveLength(12)
    expect(statuses.filter((s) => s === 'queued' || s === 'generating')).toEqual([])
    expect(statuses.filter((s) => s === 'cancelled').length).toBe(await count(page, 'cancelled'))
    expect(statuses.filter((s) => s === 'cancelled').length).toBeGreaterThan(0)
  })
}, 90_000)

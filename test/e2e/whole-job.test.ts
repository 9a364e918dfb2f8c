import { readFile } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { makeUser } from '../helpers/app'
import { signInAs, useBrowserApp } from '../helpers/browser'
import type { TestDatabase } from '../helpers/db'
import type { RunningApp } from '../helpers/server'

/**
 * The whole job as a team does it, in Chromium, with the worker and the built-in simulator: a
 * template, two scenarios, a batch started from the estimate, the batch page until "Review these",
 * the review queue worked with the keyboard only, then an OpenAI export downloaded and checked line
 * by line against what was approved.
 */

let database: TestDatabase
let server: RunningApp
let browser: Browser

useBrowserApp((t) => ({ database, server, browser } = t))

const reviewScreenId = (page: Page) => page.evaluate(() => document.querySelector<HTMLElement>('#review-screen')?.dataset.conversationId ?? null)

test('template → scenarios → batch → keyboard review → export: the downloaded file holds exactly the approved conversations', async () => {
  const admin = await makeUser(database, 'admin')
  const context = await browser.newContext({ acceptDownloads: true })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  try {
    await signInAs(page, server.url, admin)

    // A template.
    await page.goto(`${server.url}/templates/new`)
    await page.fill('input[name=name]', 'Whole job')
    await page.fill('textarea[name=system_prompt]', 'You write support conversations for a bicycle shop.')
    await page.fill('textarea[name=prompt]', 'A customer talks to the shop about their problem.')
    await Promise.all([page.waitForURL(/\/templates\/[0-9a-f-]{36}\?done=created/), page.click('button.primary')])
    const templateId = new URL(page.url()).pathname.split('/')[2] as string

    // Two scenarios, from the template's page.
    for (const [name, persona, emotion, topic] of [
      ['Late delivery', 'commuter', 'frustrated', 'a delivery that is a week late'],
      ['Brake squeal', 'weekend rider', 'curious', 'brakes that squeal in the rain'],
    ] as const) {
      await page.goto(`${server.url}/templates/${templateId}`)
      await Promise.all([page.waitForURL(/\/scenarios\/new/), page.click('text=New scenario')])
      await page.fill('input[name=name]', name)
      await page.fill('[name=persona]', persona)
      await page.fill('[name=emotion]', emotion)
      await page.fill('[name=topic]', topic)
      await Promise.all([page.waitForURL((url) => !url.pathname.endsWith('/new')), page.click('button.primary')])
    }

    // The batch: the estimate first, then start it from the estimate.
    await page.goto(`${server.url}/generate?template_id=${templateId}`)
    for (const box of await page.locator('input[name=scenario_ids]').all()) await box.check()
    await page.fill('input[name=count_per_item]', '2')
    await Promise.all([page.waitForURL(/\/generate\/preview/), page.click('button:text-is("Preview cost")')])
    expect(await page.textContent('#estimate')).toMatch(/4\s+calls/)
    await Promise.all([page.waitForURL(/\/batches\/[0-9a-f-]{36}/), page.click('button:text-is("Start batch")')])

    // The batch page follows the worker until the batch is done and offers its review.
    await page.waitForSelector('a:text-is("Review these")', { timeout: 60_000 })
    const batchId = new URL(page.url()).pathname.split('/')[2] as string
    const generated = await database.db.selectFrom('conversations').select(['id', 'status']).where('batch_id', '=', batchId).execute()
    expect(generated).toHaveLength(4)
    const pending = generated.filter((c) => c.status === 'pending_review').map((c) => c.id)

    // The review queue, worked with the keyboard alone: approve every one.
    await page.click('a:text-is("Review these")')
    await page.waitForURL(/\/review/)
    // "Start reviewing" is where the keyboard starts: focused on arrival, or the first Tab stop.
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '')
    if (!(await focused()).includes('Start reviewing')) await page.keyboard.press('Tab')
    expect(await focused()).toContain('Start reviewing')
    await Promise.all([page.waitForURL(/\/review\/[0-9a-f-]{36}/), page.keyboard.press('Enter')])
    const approved: string[] = []
    for (let i = 0; i < pending.length; i++) {
      await page.waitForFunction(() => document.querySelector<HTMLElement>('#review-screen')?.dataset.conversationId)
      const shown = (await reviewScreenId(page)) as string
      approved.push(shown)
      await page.keyboard.press('a')
      await page.waitForFunction((was) => document.querySelector<HTMLElement>('#review-screen')?.dataset.conversationId !== was, shown)
    }
    await page.waitForSelector('h1:text-is("Nothing left to review")')
    expect(approved.sort()).toEqual([...pending].sort())

    // The export of everything approved, in OpenAI's chat format, downloaded from its page.
    await page.goto(`${server.url}/exports/new`)
    await page.check('input[name=format][value=openai]')
    await page.check('input[name=scope_kind][value=approved]')
    await Promise.all([page.waitForURL(/\/exports\/[0-9a-f-]{36}/), page.click('button.primary')])
    const link = page.locator('a[href*="/download"]').first()
    await link.waitFor({ timeout: 30_000 })
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
    const lines = (await readFile((await download.path()) as string, 'utf8')).trim().split('\n')
    const approvedTotal = await database.db
      .selectFrom('conversations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '=', 'approved')
      .executeTakeFirstOrThrow()
    expect(lines).toHaveLength(Number(approvedTotal.n))
    for (const line of lines) {
      const record = JSON.parse(line) as { messages: Array<{ role: string; content: string }> }
      expect(record.messages[0]?.role).toBe('system')
      expect(record.messages.slice(1).every((m) => ['user', 'assistant'].includes(m.role) && m.content.length > 0)).toBe(true)
      expect(record.messages.some((m) => m.role === 'assistant')).toBe(true)
    }
    expect(errors).toEqual([])
  } finally {
    await context.close()
  }
}, 180_000)

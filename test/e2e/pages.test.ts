import type { Browser, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { seedConversations } from '../../src/conversations/seed'
import { makeUser, type TestUser } from '../helpers/app'
import { signInAs, useBrowserApp, withPage } from '../helpers/browser'
import type { TestDatabase } from '../helpers/db'
import type { RunningApp } from '../helpers/server'

let database: TestDatabase
let server: RunningApp
let browser: Browser
let admin: TestUser

useBrowserApp((t) => ({ database, server, browser } = t), {
  worker: false,
  seed: async (db) => {
    await seedConversations(db.db, { count: 200, parallel: 2 })
    admin = await makeUser(db, 'admin')
  },
})

const headings = (page: Page) => page.$$eval('table.conversations thead th', (ths) => ths.map((th) => th.textContent?.trim() ?? ''))
const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth)

test('the dashboard fits 1280 px, and the columns chosen in its column chooser are still there after a reload', async () => {
  await withPage(browser, async (page) => {
    await page.setViewportSize({ width: 1280, height: 900 })
    await signInAs(page, server.url, admin)
    await page.goto(`${server.url}/`)
    expect(await headings(page)).toEqual(['', 'Title', 'Tier', 'Status', 'Quality', 'Turns', 'Tokens', 'Cost', 'Created', 'Reviewed', 'Version'])
    expect(await pageWidth(page)).toBe(1280)
    // Every column is on screen: the table is no wider than its place.
    const [table, holder] = await page.$eval('table.conversations', (t) => [t.scrollWidth, t.parentElement!.clientWidth])
    expect(table).toBeLessThanOrEqual(holder!)

    await page.click('.column-chooser summary')
    await page.uncheck('input[name=columns][value=cost]')
    await page.uncheck('input[name=columns][value=tokens]')
    await page.check('input[name=columns][value=persona]')
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('text=Save columns')])
    const chosen = ['', 'Title', 'Tier', 'Status', 'Quality', 'Persona', 'Turns', 'Created', 'Reviewed', 'Version']
    expect(await headings(page)).toEqual(chosen)
    await page.reload()
    expect(await headings(page)).toEqual(chosen)
  })
})

test('the review screen counts its place, and a reject without a reason keeps the reasons open', async () => {
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, admin)
    await page.goto(`${server.url}/review`)
    // "Start reviewing" has the focus: Enter starts.
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Start reviewing')
    const pending = Number((await page.textContent('.pending-count strong'))!.replace(/,/g, ''))
    expect(pending).toBeGreaterThan(1)
    await Promise.all([page.waitForURL(/\/review\/[0-9a-f-]{36}/), page.keyboard.press('Enter')])
    expect(await page.textContent('.queue-position')).toBe(`1 of ${pending.toLocaleString('en-US')} pending`)

    await page.keyboard.press('r')
    await page.waitForSelector('#reject-panel[open]')
    await page.fill('#reject-panel input[name=comment]', 'Too vague')
    await page.focus('#reject-panel input[data-digit="1"]')
    await page.keyboard.press('Enter')
    await page.waitForSelector('.form-error >> text=Pick at least one reason')
    expect(await page.evaluate(() => document.querySelector<HTMLDetailsElement>('#reject-panel')!.open)).toBe(true)
    expect(await page.inputValue('#reject-panel input[name=comment]')).toBe('Too vague')

    await page.keyboard.press('2')
    await page.keyboard.press('Enter')
    await page.waitForSelector('.notice >> text=Rejected. Here is the next one.')
    expect(await page.textContent('.queue-position')).toBe(`1 of ${(pending - 1).toLocaleString('en-US')} pending`)
  })
})

test('a conversation is approved from its own page, whose details read as a table', async () => {
  const { id } = await database.db.selectFrom('conversations').select('id').where('status', '=', 'pending_review').executeTakeFirstOrThrow()
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, admin)
    await page.goto(`${server.url}/conversations/${id}`)
    expect(await page.$$eval('.details-table th', (ths) => ths.map((th) => th.textContent))).toContain('Quality')
    await Promise.all([page.waitForURL(/done=approved/), page.click('.review-actions button:has-text("Approve")')])
    expect(await page.textContent('.notice')).toContain('Approved.')
    expect(await page.textContent('.pill[class*="status-"]')).toBe('Approved')
    expect(await page.$('.review-actions')).toBeNull()
  })
  const { status } = await database.db.selectFrom('conversations').select('status').where('id', '=', id).executeTakeFirstOrThrow()
  expect(status).toBe('approved')
})

test('a new token comes in a selectable field with a Copy button', async () => {
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, admin)
    await page.goto(`${server.url}/settings/tokens`)
    await page.fill('input[name=name]', 'copy me')
    await Promise.all([page.waitForURL(/\/settings\/tokens/), page.click('text=Create token')])
    const token = await page.inputValue('#new-token')
    expect(token).toMatch(/^td_/)
    expect(await page.isVisible('button[data-copy="new-token"]')).toBe(true)
    expect(await page.getAttribute('#new-token', 'readonly')).not.toBeNull()
  })
})

test('a 600-character word wraps: the template page is no wider than the window at 1280 and 390 px', async () => {
  const word = 'x'.repeat(600)
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, admin)
    const created = await page.request.post(`${server.url}/api/templates`, {
      headers: { origin: server.url },
      data: {
        name: 'y'.repeat(190),
        system_prompt: `System ${word}`,
        prompt: `Talk about {{topic}} ${word}`,
        parameters: [{ name: 'topic', type: 'string', required: true, default: word }],
        min_turns: 2,
        max_turns: 4,
      },
    })
    expect(created.status()).toBe(201)
    const { id } = (await created.json()) as { id: string }
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 })
      for (const path of [`/templates/${id}`, '/templates', `/templates/${id}/preview`]) {
        await page.goto(`${server.url}${path}`)
        expect(await pageWidth(page), `${path} at ${width} px`).toBe(width)
      }
    }
  })
})

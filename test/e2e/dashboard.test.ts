import type { Browser, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { seedConversations } from '../../src/conversations/seed'
import { makeUser, type TestUser } from '../helpers/app'
import { signInAs, useBrowserApp } from '../helpers/browser'
import type { RunningApp } from '../helpers/server'

let server: RunningApp
let browser: Browser
let reviewer: TestUser

useBrowserApp((t) => ({ server, browser } = t), {
  worker: false,
  seed: async (database) => {
    await seedConversations(database.db, { count: 600, parallel: 2 })
    reviewer = await makeUser(database, 'reviewer')
    await database.db
      .insertInto('user_preferences')
      .values({ user_id: reviewer.id, settings: JSON.stringify({ rows_per_page: 10 }) })
      .execute()
  },
})

const rowIds = (page: Page) => page.$$eval('#rows tr[id^="c-"]', (rows) => rows.map((r) => r.id))
const rowStatuses = (page: Page) => page.$$eval('#rows tr[id^="c-"] .pill[class*="status-"]', (pills) => pills.map((p) => p.textContent))

test('filter, search as you type and load more on the dashboard; reloading the URL shows the same view, and back goes to the previous filter', async () => {
  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(8_000)
  try {
    await signInAs(page, server.url, reviewer)
    await page.goto(`${server.url}/`)
    await page.waitForSelector('#summary .cards')
    expect(await rowIds(page)).toHaveLength(10)

    // Ticking a status swaps the results in place and puts the filter in the URL.
    await Promise.all([page.waitForURL(/status=approved/), page.check('input[name=status][value=approved]')])
    await page.waitForFunction(() => [...document.querySelectorAll('#rows .pill[class*="status-"]')].every((p) => p.textContent === 'Approved'))
    const approvedUrl = page.url()

    // Typing searches after a pause, without a submit; the matches are marked.
    await page.locator('#f-q').pressSequentially('refund', { delay: 30 })
    await page.waitForURL(/q=refund/)
    await page.waitForFunction(() => document.querySelectorAll('#rows tr[id^="c-"] mark').length > 0)
    const firstPage = await rowIds(page)
    expect(firstPage).toHaveLength(10)
    expect(new Set(await rowStatuses(page))).toEqual(new Set(['Approved']))
    const marked = await page.$$eval('#rows mark', (marks) => marks.map((m) => m.textContent!.toLowerCase()))
    expect(marked.every((m) => m.startsWith('refund'))).toBe(true)
    await page.waitForSelector('#summary .row-count strong')
    const total = Number((await page.textContent('#summary .row-count strong'))!.replace(/,/g, ''))
    expect(total).toBeGreaterThan(10)

    // "Load more" appends the next page: no duplicates, still the same filter.
    await page.click('#load-more a')
    await page.waitForFunction(() => document.querySelectorAll('#rows tr[id^="c-"]').length > 10)
    const twoPages = await rowIds(page)
    expect(twoPages.slice(0, 10)).toEqual(firstPage)
    expect(new Set(twoPages).size).toBe(twoPages.length)
    expect(twoPages.length).toBe(Math.min(20, total))
    expect(new Set(await rowStatuses(page))).toEqual(new Set(['Approved']))

    // The URL alone restores the view: same filter, same search, same first page.
    const url = page.url()
    expect(new URL(url).search).toBe('?status=approved&q=refund')
    await page.reload()
    expect(page.url()).toBe(url)
    expect(await page.inputValue('#f-q')).toBe('refund')
    expect(await page.isChecked('input[name=status][value=approved]')).toBe(true)
    expect(await rowIds(page)).toEqual(firstPage)
    const fresh = await browser.newPage()
    await fresh.context().addCookies(await context.cookies())
    await fresh.goto(url)
    expect(await rowIds(fresh)).toEqual(firstPage)
    await fresh.close()

    // Back walks to the filter before the search.
    await page.goBack()
    await page.waitForURL(approvedUrl)
    await page.waitForFunction(() => (document.querySelector('#f-q') as HTMLInputElement | null)?.value === '')
    expect(await page.isChecked('input[name=status][value=approved]')).toBe(true)
    expect(await page.$$('#rows mark')).toHaveLength(0)
  } finally {
    await context.close()
  }
}, 60_000)

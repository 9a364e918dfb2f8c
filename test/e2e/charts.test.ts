import type { Browser } from 'playwright-core'
import { expect, test } from 'vitest'
import { dayIn } from '../../src/days'
import { makeUser, type TestUser } from '../helpers/app'
import { signInAs, useBrowserApp, withPage } from '../helpers/browser'
import { insertConversations, makeReviewSource } from '../helpers/review'
import type { RunningApp } from '../helpers/server'

let server: RunningApp
let browser: Browser
let viewer: TestUser
const decidedOn = dayIn('UTC', new Date(Date.now() - 2 * 86_400_000))

useBrowserApp((t) => ({ server, browser } = t), {
  worker: false,
  seed: async (database) => {
    const db = database.db
    viewer = await makeUser(database, 'viewer')
    const reviewer = await makeUser(database, 'reviewer')
    const source = await makeReviewSource(db)
    const ids = await insertConversations(db, source, [8, 6, 3, 5])
    const at = new Date(`${decidedOn}T12:00:00Z`)
    const decisions = [
      ['approve', 'approved', []],
      ['approve', 'approved', []],
      ['reject', 'rejected', ['too_short']],
      ['reject', 'rejected', ['too_short']],
    ] as const
    for (const [i, [action, to, reasons]] of decisions.entries()) {
      await db
        .insertInto('review_actions')
        .values({
          conversation_id: ids[i]!,
          reviewer_id: reviewer.id,
          action,
          from_status: 'pending_review',
          to_status: to,
          reasons: [...reasons],
          created_at: at,
        })
        .execute()
      await db.updateTable('conversations').set({ status: to }).where('id', '=', ids[i]!).execute()
    }
  },
})

test('the quality page draws its charts on canvases, and each chart has its numbers in a table', async () => {
  await withPage(browser, async (page) => {
    page.setDefaultTimeout(8_000)
    await page.setViewportSize({ width: 390, height: 844 })
    await signInAs(page, server.url, viewer)
    await page.goto(`${server.url}/review/quality`)
    // Chart.js marks each figure once it has drawn on its canvas.
    await page.waitForSelector('#chart-quality-daily[data-drawn="true"] canvas')
    await page.waitForSelector('#chart-rejection-reasons[data-drawn="true"] canvas')
    const canvas = await page.$eval('#chart-quality-daily canvas', (c) => {
      const el = c as HTMLCanvasElement
      const pixels = el.getContext('2d')?.getImageData(0, 0, el.width, el.height).data ?? []
      let painted = 0
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++
      return { width: el.getBoundingClientRect().width, painted, label: el.getAttribute('aria-label') }
    })
    expect(canvas.painted).toBeGreaterThan(100)
    expect(canvas.width).toBeGreaterThan(200)
    expect(canvas.width).toBeLessThanOrEqual(390)
    expect(canvas.label).toContain('Approval rate and average quality score')

    // The table under the chart holds the same figures; opening it shows them.
    await page.click('#chart-quality-daily summary')
    const row = await page.$$eval(
      `#chart-quality-daily tbody tr`,
      (rows, day) => {
        const found = rows.find((r) => r.querySelector('th')?.textContent === day)
        return found ? [...found.querySelectorAll('td')].map((td) => td.textContent) : null
      },
      decidedOn,
    )
    expect(row).toEqual(['50.0%', '5.50', '4'])
    const reasons = await page.$$eval('#chart-rejection-reasons tbody tr', (rows) => rows.map((r) => r.textContent))
    expect(reasons).toEqual(['Too short2'])

    // At 390 px the page does not scroll sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(overflow).toBeLessThanOrEqual(0)
  })
})

test('in the dark theme the charts take their colours from the theme', async () => {
  await withPage(browser, async (page) => {
    page.setDefaultTimeout(8_000)
    await page.emulateMedia({ colorScheme: 'dark' })
    await signInAs(page, server.url, viewer)
    await page.goto(`${server.url}/review/quality`)
    await page.waitForSelector('#chart-rejection-reasons[data-drawn="true"]')
    // The reasons' bars are drawn in the theme's --bad colour, resolved for dark mode.
    const colours = await page.evaluate(() => {
      const chart = (window as unknown as { Chart: { getChart(el: Element): { data: { datasets: { backgroundColor: string }[] } } } }).Chart.getChart(
        document.querySelector('#chart-rejection-reasons canvas')!,
      )
      const probe = document.createElement('span')
      probe.style.color = 'var(--bad)'
      document.body.append(probe)
      return { bar: chart.data.datasets[0]!.backgroundColor, theme: getComputedStyle(probe).color }
    })
    expect(colours.theme).toBe('rgb(255, 135, 135)')
    expect(colours.bar).toBe('rgba(255, 135, 135, 0.75)')
  })
})

import type { Browser } from 'playwright-core'
import { expect, test } from 'vitest'
import { seedConversations } from '../../src/conversations/seed'
import { makeUser, type TestUser } from '../helpers/app'
import { signInAs, useBrowserApp } from '../helpers/browser'
import type { RunningApp } from '../helpers/server'

let server: RunningApp
let browser: Browser
let viewer: TestUser

useBrowserApp((t) => ({ server, browser } = t), {
  worker: false,
  seed: async (database) => {
    await seedConversations(database.db, { count: 60, parallel: 2 })
    viewer = await makeUser(database, 'viewer')
  },
})

test('switching to the dark theme and 20 rows per page on the preferences page changes every page at once', async () => {
  const context = await browser.newContext({ colorScheme: 'light' })
  const page = await context.newPage()
  page.setDefaultTimeout(8_000)
  try {
    await signInAs(page, server.url, viewer)
    await page.goto(`${server.url}/`)
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    const light = await background()
    expect(await page.locator('#rows tr[id^="c-"]').count()).toBe(50)

    await page.goto(`${server.url}/settings/preferences`)
    await page.selectOption('#f-theme', 'dark')
    await page.fill('#f-rows_per_page', '20')
    await Promise.all([page.waitForURL(/done=saved/), page.click('button:has-text("Save preferences")')])
    expect(await page.textContent('.notice')).toContain('Preferences saved.')

    await page.goto(`${server.url}/`)
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark')
    const dark = await background()
    expect(dark).not.toBe(light)
    // The dark background is dark: every channel well below the light one's.
    const channels = (rgb: string) => rgb.match(/\d+/g)!.slice(0, 3).map(Number)
    expect(Math.max(...channels(dark))).toBeLessThan(80)
    expect(await page.locator('#rows tr[id^="c-"]').count()).toBe(20)
  } finally {
    await context.close()
  }
})

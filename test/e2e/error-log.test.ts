import type { Browser } from 'playwright-core'
import { expect, test } from 'vitest'
import { recordError } from '../../src/error-log/record'
import { createLogger } from '../../src/log'
import { makeUser, type TestUser } from '../helpers/app'
import { signInAs, useBrowserApp } from '../helpers/browser'
import type { RunningApp } from '../helpers/server'

let server: RunningApp
let browser: Browser
let admin: TestUser
let reference: string

useBrowserApp((t) => ({ server, browser } = t), {
  worker: false,
  seed: async (database) => {
    admin = await makeUser(database, 'admin')
    // Long unbroken text, as real messages and stacks have (paths, ids), must wrap on a phone.
    const long = `ENOENT: no such file or directory, open '/data/exports/${'a1b2c3d4'.repeat(20)}.jsonl.tmp'`
    reference = await recordError(database.db, createLogger('silent'), {
      code: 'export_failed',
      message: long,
      stack: `Error: ${long}\n    at ${'/work/node_modules/some/deep/path/'.repeat(6)}file.js:1:1`,
      context: { export_id: '0d9f3c1e-5b7a-4d2e-9f10-3a4b5c6d7e8f', route: `/api/exports/${'x'.repeat(120)}` },
    })
  },
})

test('the error log and an error’s details fit a 390 px screen, and the log links to the details', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 800 } })
  const page = await context.newPage()
  page.setDefaultTimeout(8_000)
  const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  try {
    await signInAs(page, server.url, admin)
    await page.goto(`${server.url}/admin/errors`)
    expect(await sideways()).toBeLessThanOrEqual(0)
    await Promise.all([page.waitForURL(`**/errors/${reference}`), page.click(`a[href="/errors/${reference}"]`)])
    expect(await page.textContent('h1')).toBe('An export failed.')
    expect(await sideways()).toBeLessThanOrEqual(0)
  } finally {
    await context.close()
  }
})

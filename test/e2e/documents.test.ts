import type { Browser } from 'playwright-core'
import { expect, test } from 'vitest'
import { makeUser } from '../helpers/app'
import { signInAs, useBrowserApp, withPage } from '../helpers/browser'
import type { TestDatabase } from '../helpers/db'
import type { RunningApp } from '../helpers/server'

let database: TestDatabase
let server: RunningApp
let browser: Browser

useBrowserApp((t) => ({ database, server, browser } = t))

test('files dropped on the upload form are sent one by one with their own result, and a document page shows its chunks once ready', async () => {
  const editor = await makeUser(database, 'editor')
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, editor)
    await page.goto(`${server.url}/documents`)
    const dropped = await page.evaluateHandle(() => {
      const transfer = new DataTransfer()
      transfer.items.add(
        new File(['# Returns\n\nReturns are free within 30 days.\n\n## Damaged items\n\nSend a photo first.'], 'returns.md', { type: 'text/markdown' }),
      )
      transfer.items.add(new File(['Opening hours: nine to five on weekdays.'], 'hours.txt', { type: 'text/plain' }))
      transfer.items.add(new File(['Opening hours: nine to five on weekdays.'], 'hours-copy.txt', { type: 'text/plain' }))
      return transfer
    })
    await page.dispatchEvent('#upload-form', 'drop', { dataTransfer: dropped })
    expect(await page.evaluate(() => (document.querySelector('#f-file') as HTMLInputElement).files?.length)).toBe(3)
    await page.click('#upload-form button[type=submit]')

    const items = page.locator('#upload-list li')
    await expect.poll(() => items.count()).toBe(3)
    await expect.poll(() => page.locator('#upload-list a').count(), { timeout: 10_000 }).toBe(2)
    // The two copies go up at once: whichever lands second is refused, naming the first.
    await expect.poll(() => page.locator('#upload-list .form-error').textContent()).toMatch(/uploaded already as "hours(-copy)?"/)
    // The list below picks up the new documents without a reload.
    await expect.poll(() => page.locator('#document-rows').textContent()).toContain('returns')

    // Search as you type narrows the list in place and keeps the search in the URL.
    await page.fill('#f-q', 'hours')
    await expect.poll(() => page.locator('#document-rows tbody tr').count()).toBe(1)
    expect(new URL(page.url()).searchParams.get('q')).toBe('hours')

    await Promise.all([page.waitForURL(/\/documents\/[0-9a-f-]{36}$/), page.click('#upload-list a:has-text("returns")')])
    await expect.poll(() => page.locator('#document-body').textContent(), { timeout: 15_000 }).toContain('Returns › Damaged items')
    expect(await page.locator('#document-body .pill').textContent()).toBe('ready')
  })
})

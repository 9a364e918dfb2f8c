import type { Browser } from 'playwright-core'
import { expect, test } from 'vitest'
import { makeUser } from '../helpers/app'
import { signInAs, useBrowserApp, withPage } from '../helpers/browser'
import type { TestDatabase } from '../helpers/db'
import type { RunningApp } from '../helpers/server'

let database: TestDatabase
let server: RunningApp
let browser: Browser

useBrowserApp((t) => ({ database, server, browser } = t), { worker: false })

test('a template is created in the browser with a parameter row, then previewed with a sample value', async () => {
  const editor = await makeUser(database, 'editor')
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, editor)
    await page.goto(`${server.url}/templates/new`)
    await page.fill('input[name=name]', 'Browser made')
    await page.fill('textarea[name=system_prompt]', 'You write about {{product}}.')
    await page.fill('textarea[name=prompt]', 'A customer asks about {{product}}.')
    await page.fill('input[name="parameters[0][name]"]', 'product')
    await page.selectOption('select[name="parameters[0][required]"]', 'yes')
    // htmx swaps in the rows with one more blank one; what was typed stays.
    await page.click('text=Add a parameter row')
    await page.waitForSelector('input[name="parameters[3][name]"]')
    expect(new URL(page.url()).pathname).toBe('/templates/new')
    expect(await page.inputValue('input[name="parameters[0][name]"]')).toBe('product')
    expect(await page.inputValue('input[name=name]')).toBe('Browser made')
    await Promise.all([page.waitForURL(/\/templates\/[0-9a-f-]{36}\?done=created/), page.click('button.primary')])
    expect(await page.textContent('h1')).toContain('Browser made')
    await page.click('text=Preview')
    expect(await page.textContent('#preview-result')).toContain('Missing values: product')
    await page.fill('input[name="values.product"]', 'Acme <Cloud>')
    await expect
      .poll(() => page.textContent('#resolved-prompt'), { timeout: 5000 })
      .toContain('A customer asks about Acme <Cloud>.\n\nWrite between 4 and 8 turns')
    expect(await page.textContent('#preview-kind')).toContain('Exactly as generation sends them')
  })
})

test('the template list filters as you type and keeps the search in the address', async () => {
  const editor = await makeUser(database, 'editor')
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, editor)
    for (const name of ['Searchable billing', 'Searchable shipping']) {
      await page.goto(`${server.url}/templates/new`)
      await page.fill('input[name=name]', name)
      await page.fill('textarea[name=system_prompt]', 'You write support conversations.')
      await page.fill('textarea[name=prompt]', 'A customer asks a question.')
      await Promise.all([page.waitForURL(/done=created/), page.click('button.primary')])
    }
    await page.goto(`${server.url}/templates`)
    await page.fill('input[name=q]', 'shipping')
    await expect
      .poll(() => page.locator('#template-rows tr[data-template]').allTextContents(), { timeout: 5000 })
      .toEqual([expect.stringContaining('Searchable shipping')])
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('shipping')
  })
})

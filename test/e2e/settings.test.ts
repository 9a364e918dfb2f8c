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

test('an admin changes the AI settings (kept in their history), refused input changes nothing, and retention is saved', async () => {
  const admin = await makeUser(database, 'admin')
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, admin)
    await page.goto(`${server.url}/settings/ai`)
    await page.fill('[name=requests_per_minute]', '120')
    await Promise.all([page.waitForURL(/\/settings\/ai\?done=saved/), page.click('form[action="/settings/ai"] button[type=submit]')])
    expect(await page.inputValue('[name=requests_per_minute]')).toBe('120')
    expect(await page.locator('xpath=//h2[text()="History"]/following-sibling::*[1]//tbody/tr[1]').textContent()).toContain(admin.email)

    // Nonsense is refused where it was typed, and the setting stays as it was.
    await page.fill('[name=requests_per_minute]', '0')
    await page.click('form[action="/settings/ai"] button[type=submit]')
    await page.waitForSelector('.field-error')
    expect(await page.getAttribute('[name=requests_per_minute]', 'aria-invalid')).toBe('true')
    const active = await database.db.selectFrom('ai_settings').select('requests_per_minute').orderBy('created_at', 'desc').executeTakeFirstOrThrow()
    expect(active.requests_per_minute).toBe(120)

    await page.goto(`${server.url}/settings/retention`)
    await page.fill('[name=error_log_days]', '45')
    await Promise.all([page.waitForURL(/\/settings\/retention\?done=saved/), page.click('main button.primary')])
    expect(await page.inputValue('[name=error_log_days]')).toBe('45')
  })
}, 60_000)

test('an admin adds a user, who then signs in with the role given, and changes that role', async () => {
  const admin = await makeUser(database, 'admin')
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, admin)
    await page.goto(`${server.url}/settings/users`)
    const add = page.locator('section', { has: page.locator('h2:text-is("Add a user")') })
    await add.locator('[name=email]').fill('new.reviewer@example.com')
    await add.locator('[name=name]').fill('New Reviewer')
    await add.locator('#new-role').selectOption('reviewer')
    await add.locator('[name=password]').fill('a long enough password')
    await add.locator('button:text-is("Add user")').click()
    const row = page.locator('tr', { hasText: 'new.reviewer@example.com' })
    await row.waitFor()
    expect(await row.locator('select[name=role]').inputValue()).toBe('reviewer')
    await row.locator('select[name=role]').selectOption('editor')
    await row.locator('button:text-is("Save role")').click()
    await page.waitForFunction(() =>
      [...document.querySelectorAll('tr')].some((tr) => tr.textContent?.includes('new.reviewer@example.com') && tr.querySelector('select')?.value === 'editor'),
    )
  })
  const added = await database.db.selectFrom('users').select(['role', 'name']).where('email', '=', 'new.reviewer@example.com').executeTakeFirstOrThrow()
  expect(added).toEqual({ role: 'editor', name: 'New Reviewer' })
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, { email: 'new.reviewer@example.com', password: 'a long enough password' })
    expect(await page.textContent('.whoami .role')).toBe('editor')
  })
}, 60_000)

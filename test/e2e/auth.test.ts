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

// These run in order: the first finds an empty database and creates the first admin.
test('on a fresh install the setup page creates the first admin and signs them in', async () => {
  await withPage(browser, async (page) => {
    await page.goto(`${server.url}/`)
    expect(new URL(page.url()).pathname).toBe('/setup')
    await page.fill('input[name=name]', 'Grace')
    await page.fill('input[name=email]', 'grace@example.com')
    await page.fill('input[name=password]', 'grace password')
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type=submit]')])
    expect(await page.textContent('h1')).toBe('Dashboard')
    expect(await page.textContent('.whoami')).toContain('Grace')
    await page.goto(`${server.url}/setup`)
    expect(new URL(page.url()).pathname).toBe('/')
  })
})

test('a person signs in, sees the navigation for their role, and signs out', async () => {
  const editor = await makeUser(database, 'editor')
  await withPage(browser, async (page) => {
    await page.goto(`${server.url}/login`)
    await page.fill('input[name=email]', editor.email)
    await page.fill('input[name=password]', 'not the password')
    await page.click('button[type=submit]')
    await expect.poll(() => page.textContent('.form-error')).toContain('Email or password is incorrect.')

    await signInAs(page, server.url, editor)
    const nav = await page.locator('nav[aria-label=Main] a').allTextContents()
    expect(nav).toEqual(['Dashboard', 'Generate', 'Templates', 'Documents', 'Chunks', 'Quality', 'Coverage', 'Exports', 'Recovery', 'Settings'])
    await Promise.all([page.waitForURL(/\/login$/), page.click('text=Sign out')])
    await page.goto(`${server.url}/settings/tokens`)
    expect(new URL(page.url()).pathname).toBe('/login')
  })
})

test('a viewer who opens an admin page gets a clear "not allowed" page', async () => {
  const viewer = await makeUser(database, 'viewer')
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, viewer)
    const response = await page.goto(`${server.url}/settings/users`)
    expect(response?.status()).toBe(403)
    expect(await page.textContent('h1')).toBe('Not allowed')
    expect(await page.textContent('main')).toContain('Your role (viewer) does not allow this.')
  })
})

test('an API token created on the settings page is shown once and works as a bearer token', async () => {
  const reviewer = await makeUser(database, 'reviewer')
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, reviewer)
    await page.goto(`${server.url}/settings/tokens`)
    await page.fill('input[name=name]', 'my script')
    await page.click('text=Create token')
    const token = await page.inputValue('#new-token')
    expect(token).toMatch(/^td_/)
    const me = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })
    expect(await me.json()).toMatchObject({ email: reviewer.email, role: 'reviewer' })
    // Post/Redirect/Get: reloading shows the page again, not the form post, so no second token is made.
    await page.reload()
    expect(await page.content()).not.toContain(token)
    expect(await database.db.selectFrom('api_tokens').select('id').where('user_id', '=', reviewer.id).execute()).toHaveLength(1)
  })
})

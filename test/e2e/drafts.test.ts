import type { Browser } from 'playwright-core'
import { expect, test } from 'vitest'
import { makeUser } from '../helpers/app'
import { signInAs, useBrowserApp, withPage } from '../helpers/browser'
import type { TestDatabase } from '../helpers/db'
import { insertConversations, makeReviewSource } from '../helpers/review'
import type { RunningApp } from '../helpers/server'

let database: TestDatabase
let server: RunningApp
let browser: Browser

useBrowserApp((t) => ({ database, server, browser } = t), { worker: false })

test('a form typed into and left is offered back, and "Restore draft" brings the text back', async () => {
  const editor = await makeUser(database, 'editor')
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, editor)
    await page.goto(`${server.url}/templates/new`)
    await page.fill('input[name=name]', 'Typed but never saved')
    await page.fill('textarea[name=system_prompt]', 'You write about {{product}}.')
    await expect.poll(() => page.textContent('[data-draft-status]'), { timeout: 5000 }).toMatch(/Draft saved at \d\d:\d\d UTC/)
  })
  // The tab was closed; another one opens the form again.
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, editor)
    await page.goto(`${server.url}/templates/new`)
    expect(await page.textContent('.draft-offer')).toMatch(/You have an unsaved draft from \d\d:\d\d UTC/)
    expect(await page.inputValue('input[name=name]')).toBe('')
    await Promise.all([page.waitForURL(/draft=template%3Anew/), page.click('text=Restore draft')])
    expect(await page.inputValue('input[name=name]')).toBe('Typed but never saved')
    expect(await page.inputValue('textarea[name=system_prompt]')).toBe('You write about {{product}}.')
    // Discarding forgets it.
    await page.goto(`${server.url}/templates/new`)
    await Promise.all([page.waitForURL(`${server.url}/templates/new`), page.click('.draft-offer button:text("Discard")')])
    expect(await page.locator('.draft-offer').count()).toBe(0)
  })
})

test('an htmx action shows its result as a toast that screen readers announce, with undo, dismissible from the keyboard', async () => {
  const source = await makeReviewSource(database.db)
  const ids = await insertConversations(database.db, source, [7, 6])
  const reviewer = await makeUser(database, 'reviewer')
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, reviewer)
    await page.goto(`${server.url}/review/${ids[0]}?order=oldest`)
    await page.click('button[data-hotkey="a"]')
    const toast = page.locator('#toasts .toast')
    await toast.waitFor({ timeout: 5000 })
    // The region the toast is in is a polite live region, present since the page loaded.
    expect(await page.getAttribute('#toasts', 'role')).toBe('status')
    expect(await page.getAttribute('#toasts', 'aria-live')).toBe('polite')
    expect(await toast.textContent()).toContain('Approved.')
    // Held while the keyboard is in it, then dismissed with Escape.
    await toast.locator('button:text("Undo")').focus()
    await page.waitForTimeout(6500)
    expect(await toast.count()).toBe(1)
    await page.keyboard.press('Escape')
    expect(await toast.count()).toBe(0)

    // Undo from a toast takes the decision back.
    await page.click('button[data-hotkey="a"]')
    await Promise.all([page.waitForURL(/done=undo/), page.locator('#toasts .toast button:text("Undo")').click()])
    const row = await database.db.selectFrom('conversations').select('status').where('id', 'in', ids).orderBy('created_at').execute()
    expect(row.map((r) => r.status)).toEqual(['approved', 'pending_review'])
  })
})

test('an error toast is announced at once and links to the error details', async () => {
  const source = await makeReviewSource(database.db)
  const [id] = await insertConversations(database.db, source, [7])
  const reviewer = await makeUser(database, 'reviewer')
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, reviewer)
    await page.goto(`${server.url}/review/${id}`)
    // The server answers an htmx request that failed with an error toast naming the reference
    // (renderError does so); here the decision's answer is replaced by such a failure.
    await page.route(`**/review/${id}?*`, (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 500,
            contentType: 'text/html',
            headers: { 'HX-Trigger': JSON.stringify({ toast: { kind: 'error', message: 'Something went wrong.', reference: 'E-7Q2KTEST' } }) },
            body: '<p>Something went wrong.</p>',
          })
        : route.continue(),
    )
    await page.click('button[data-hotkey="a"]')
    const toast = page.locator('#toast-alerts .toast')
    await toast.waitFor({ timeout: 5000 })
    expect(await page.getAttribute('#toast-alerts', 'role')).toBe('alert')
    expect(await page.getAttribute('#toast-alerts', 'aria-live')).toBe('assertive')
    expect(await toast.textContent()).toContain('Something went wrong.')
    expect(await toast.locator('a').getAttribute('href')).toBe('/errors/E-7Q2KTEST')
    expect(await toast.locator('a').textContent()).toContain('Reference E-7Q2KTEST')
  })
})

test('an action posted by htmx shows the page again with its result, and the toast stays', async () => {
  const editor = await makeUser(database, 'editor')
  await withPage(browser, async (page) => {
    await signInAs(page, server.url, editor)
    await page.goto(`${server.url}/settings/tokens`)
    await page.fill('input[name=name]', 'nightly script')
    await Promise.all([page.waitForURL(`${server.url}/settings/tokens`), page.click('button:text("Create token")')])
    await page.goto(`${server.url}/settings/tokens`)
    await page.click('tr[data-token] button:text("Revoke")')
    await page.locator('#toasts .toast').waitFor({ timeout: 5000 })
    expect(await page.textContent('#toasts .toast')).toContain('Token revoked')
    await page.locator('tr[data-token] .pill.bad').waitFor({ timeout: 5000 })
    expect(await page.locator('#toasts .toast').count()).toBe(1)
  })
})

test('toasts fit a narrow window', async () => {
  const reviewer = await makeUser(database, 'reviewer')
  await withPage(browser, async (page) => {
    await page.setViewportSize({ width: 390, height: 800 })
    await signInAs(page, server.url, reviewer)
    await page.goto(`${server.url}/review`)
    await page.evaluate(() => {
      ;(window as unknown as { showToast: (t: unknown) => void }).showToast({
        kind: 'info',
        message: 'A rather long message that must wrap inside the window rather than push the page sideways at all.',
      })
    })
    await page.locator('#toasts .toast').waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  })
})

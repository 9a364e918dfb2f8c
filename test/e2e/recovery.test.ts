import { sql } from 'kysely'
import type { Browser } from 'playwright-core'
import { expect, test } from 'vitest'
import { seedConversations } from '../../src/conversations/seed'
import { makeUser, type TestUser } from '../helpers/app'
import { signInAs, useBrowserApp, withPage } from '../helpers/browser'
import type { TestDatabase } from '../helpers/db'
import type { RunningApp } from '../helpers/server'

let server: RunningApp
let browser: Browser
let database: TestDatabase
let editor: TestUser

useBrowserApp((t) => ({ server, browser, database } = t), {
  worker: false,
  seed: async (db) => {
    await seedConversations(db.db, { count: 300, parallel: 2 })
    await sql`update conversations set error_code = 'overloaded' where status = 'failed'`.execute(db.db)
    // A job that used its only attempt, with a long error as a stack would be.
    await sql`select graphile_worker.add_job('vacuum_table', '{}'::json, max_attempts => 1)`.execute(db.db)
    await sql`update graphile_worker._private_jobs set attempts = 1, last_error = ${`Error: ${'a very long reason '.repeat(40)}`}`.execute(db.db)
    editor = await makeUser(db, 'editor')
  },
})

test('at 390 px the Recovery page fits the screen, and "Retry all" asks inline, then queues the job and refreshes the sections', async () => {
  await withPage(browser, async (page) => {
    page.setDefaultTimeout(8_000)
    await page.setViewportSize({ width: 390, height: 844 })
    await signInAs(page, server.url, editor)
    await page.click('nav[aria-label=Main] a[href="/recovery"]')
    await page.waitForSelector('#recovery')
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    await expect(page.textContent('#jobs-heading')).resolves.toContain('gave up')

    await page.click('#act-code-overloaded button')
    await page.waitForSelector('#act-code-overloaded .confirm')
    expect(await page.textContent('#act-code-overloaded .confirm')).toMatch(/failed conversation\(s\) \(Claude was overloaded\.\) go back to the queue/)
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    const { rows: before } = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'retry_failed'`.execute(
      database.db,
    )
    expect(before[0]!.n).toBe(0)

    await page.click('#act-code-overloaded .confirm button[type=submit]')
    await page.waitForFunction(() => !document.querySelector('#act-code-overloaded .confirm'))
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'retry_failed'`.execute(database.db)
    expect(rows[0]!.n).toBe(1)
  })
}, 60_000)

import type { Browser, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { makeUser } from '../helpers/app'
import { signInAs, useBrowserApp } from '../helpers/browser'
import type { TestDatabase } from '../helpers/db'
import { insertConversations, makeReviewSource } from '../helpers/review'
import type { RunningApp } from '../helpers/server'

let database: TestDatabase
let server: RunningApp
let browser: Browser

useBrowserApp((t) => ({ database, server, browser } = t), { worker: false })

const shownId = (page: Page) => page.evaluate(() => document.querySelector<HTMLElement>('#review-screen')?.dataset.conversationId)
async function expectShown(page: Page, id: string) {
  await page.waitForFunction((want) => document.querySelector<HTMLElement>('#review-screen')?.dataset.conversationId === want, id, { timeout: 5000 })
}
async function typeComment(page: Page, text: string) {
  await page.waitForFunction(() => (document.activeElement as HTMLInputElement | null)?.name === 'comment', undefined, { timeout: 5000 })
  await page.keyboard.type(text)
  await page.keyboard.press('Enter')
}

/** A reviewer's own browser on the queue's first conversation (oldest first), recording the page's script errors. */
async function startReviewing(firstId: string) {
  const reviewer = await makeUser(database, 'reviewer')
  const context = await browser.newContext()
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  await signInAs(page, server.url, reviewer)
  await page.goto(`${server.url}/review/next?order=oldest`)
  await expectShown(page, firstId)
  return { reviewer, context, page, errors }
}

test('a reviewer works through ten conversations with the keyboard only, and the database holds exactly those decisions', async () => {
  const source = await makeReviewSource(database.db)
  const ids = await insertConversations(database.db, source, [7, 6, 5, 8, 4, 9, 7, 6, 8, 3])
  const { reviewer, context, page, errors } = await startReviewing(ids[0]!)
  expect(await page.textContent('button[data-hotkey="a"]')).toBe('Approve a')
  // The screen claims what it shows with a POST of its own (a GET changes nothing).
  const claimed = () => database.db.selectFrom('review_claims').select('conversation_id').where('reviewer_id', '=', reviewer.id).execute()
  await expect.poll(claimed).toEqual([{ conversation_id: ids[0] }])

  await page.keyboard.press('a') // 0: approve
  await expectShown(page, ids[1]!)
  expect(new URL(page.url()).pathname).toBe(`/review/${ids[1]}`)
  await expect.poll(claimed).toEqual([{ conversation_id: ids[1] }])

  await page.keyboard.press('r') // 1: reject with reasons 1 and 4 (off_topic, unsafe)
  await page.keyboard.press('1')
  await page.keyboard.press('4')
  await page.keyboard.press('Enter')
  await expectShown(page, ids[2]!)

  await page.keyboard.press('c') // 2: request changes
  await typeComment(page, 'Make the agent less formal.')
  await expectShown(page, ids[3]!)

  await page.keyboard.press('n') // 3: skipped for now
  await expectShown(page, ids[4]!)
  await page.keyboard.press('a') // 4: approve…
  await expectShown(page, ids[5]!)
  await page.keyboard.press('u') // …then undo it: back on 4, pending again
  await expectShown(page, ids[4]!)
  expect(await page.textContent('#review-screen .notice')).toContain('Undone')
  await page.keyboard.press('r') // 4: reject as a factual error instead
  await page.keyboard.press('2')
  await page.keyboard.press('Enter')
  await expectShown(page, ids[5]!)

  await page.keyboard.press('j') // 6
  await expectShown(page, ids[6]!)
  await page.keyboard.press('k') // back to 5
  await expectShown(page, ids[5]!)
  await page.keyboard.press('p') // back to 3, the skipped one
  await expectShown(page, ids[3]!)
  await page.keyboard.press('a') // 3: approve; next is 5
  await expectShown(page, ids[5]!)
  await page.keyboard.press('a') // 5: approve
  await expectShown(page, ids[6]!)

  await page.keyboard.press('r') // 6: open the reasons, pick one, change our mind
  await page.keyboard.press('9')
  await page.keyboard.press('a') // keys other than digits, Enter and Esc do nothing while the reasons are open
  await page.keyboard.press('Escape')
  expect(await page.evaluate(() => document.querySelector('#reject-panel[open]'))).toBeNull()
  expect(await shownId(page)).toBe(ids[6])
  await page.keyboard.press('a') // 6: approve
  await expectShown(page, ids[7]!)

  await page.keyboard.press('c') // 7: request changes
  await typeComment(page, 'Too many apologies.')
  await expectShown(page, ids[8]!)
  await page.keyboard.press('a') // 8: approve
  await expectShown(page, ids[9]!)

  await page.keyboard.press('?') // the keys, shown and hidden again
  await page.waitForSelector('details.keys-help[open]')
  await page.keyboard.press('?')
  await page.waitForSelector('details.keys-help:not([open])')

  await page.keyboard.press('r') // 9: reject, formatting + too short
  await page.keyboard.press('5')
  await page.keyboard.press('7')
  await page.keyboard.press('Enter')
  await page.waitForSelector('text=Nothing left to review')
  expect(errors).toEqual([])
  await context.close()

  const rows = await database.db.selectFrom('conversations').select(['id', 'status', 'version', 'reviewed_by']).where('id', 'in', ids).execute()
  const byId = new Map(rows.map((r) => [r.id, r]))
  expect(ids.map((id) => byId.get(id)!.status)).toEqual([
    'approved',
    'rejected',
    'needs_revision',
    'approved',
    'rejected',
    'approved',
    'approved',
    'needs_revision',
    'approved',
    'rejected',
  ])
  expect(rows.every((r) => r.reviewed_by === reviewer.id)).toBe(true)
  expect(byId.get(ids[4]!)!.version).toBe(4) // approve, undo, reject

  const actions = await database.db
    .selectFrom('review_actions')
    .select(['conversation_id', 'action', 'reasons', 'comment', 'reviewer_id', 'undoes_id'])
    .orderBy('created_at')
    .execute()
  expect(actions.map((a) => [ids.indexOf(a.conversation_id), a.action, a.reasons, a.comment])).toEqual([
    [0, 'approve', [], ''],
    [1, 'reject', ['off_topic', 'unsafe'], ''],
    [2, 'request_changes', [], 'Make the agent less formal.'],
    [4, 'approve', [], ''],
    [4, 'undo', [], ''],
    [4, 'reject', ['factual_error'], ''],
    [3, 'approve', [], ''],
    [5, 'approve', [], ''],
    [6, 'approve', [], ''],
    [7, 'request_changes', [], 'Too many apologies.'],
    [8, 'approve', [], ''],
    [9, 'reject', ['formatting', 'too_short'], ''],
  ])
  expect(actions.every((a) => a.reviewer_id === reviewer.id)).toBe(true)
  expect(actions[4]!.undoes_id).not.toBeNull()
}, 90_000)

test('a decision shows the next conversation at once, then what it changed; refused, the conversation comes back with the reason; an undo pressed at once undoes it', async () => {
  const source = await makeReviewSource(database.db)
  const [first, second, third, fourth] = await insertConversations(database.db, source, [7, 6, 5, 8])
  const { context, page, errors } = await startReviewing(first!)
  expect(await page.textContent('#queue-position')).toBe('1 of 4 pending')
  await page.waitForLoadState('networkidle') // the next screen has been fetched ahead

  // Approved: the next screen (fetched while the first was pending) is shown, then brought up to date.
  await page.keyboard.press('a')
  await expectShown(page, second!)
  await page.waitForFunction(() => document.querySelector('#queue-position')?.textContent === '1 of 3 pending', undefined, { timeout: 5000 })
  expect(await page.textContent('#review-messages .notice')).toBe('Approved. Here is the next one.')
  expect(await page.getAttribute('#review-previous', 'disabled')).not.toBeNull() // the first is no longer in the queue
  expect(new URL(page.url()).pathname).toBe(`/review/${second}`)
  await expect.poll(() => statusOf(first!)).toBe('approved')

  // Someone else edits the second meanwhile: the approval is refused and the second comes back with the reason.
  await page.waitForLoadState('networkidle')
  await database.db.updateTable('conversations').set({ version: 2 }).where('id', '=', second!).execute()
  await page.keyboard.press('a')
  await page.waitForSelector('#review-messages .form-error', { timeout: 5000 })
  expect(await shownId(page)).toBe(second)
  expect(await page.textContent('#review-messages .form-error')).toContain('Someone else changed this conversation')
  expect(await statusOf(second!)).toBe('pending_review')
  expect(await statusOf(third!)).toBe('pending_review')

  // Approve the second (now at revision 2), and undo at once, before the answer could have come
  // (the approval is held back on its way for 300 ms).
  await page.waitForLoadState('networkidle')
  await page.route(`**/review/${second}?*`, async (route) => {
    if (route.request().method() === 'POST') await new Promise((resolve) => setTimeout(resolve, 300))
    await route.continue()
  })
  await page.keyboard.press('a')
  await page.keyboard.press('u')
  await expectShown(page, second!)
  await page.waitForFunction(() => document.querySelector('#review-screen .notice')?.textContent?.startsWith('Undone'), undefined, { timeout: 5000 })
  expect(await statusOf(second!)).toBe('pending_review')
  expect(await statusOf(first!)).toBe('approved') // the undo took back the second's approval, not the first's
  expect(await statusOf(fourth!)).toBe('pending_review')
  expect(errors).toEqual([])
  await context.close()
}, 60_000)

const statusOf = async (id: string) => (await database.db.selectFrom('conversations').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status

import type { Browser, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { makeUser } from '../helpers/app'
import { signInAs, useBrowserApp } from '../helpers/browser'
import { insertDocumentWithChunks } from '../helpers/chunks'
import type { TestDatabase } from '../helpers/db'
import type { RunningApp } from '../helpers/server'

let database: TestDatabase
let server: RunningApp
let browser: Browser

useBrowserApp((t) => ({ database, server, browser } = t), { worker: false })

const currentCard = (page: Page) => page.evaluate(() => document.querySelector<HTMLElement>('[data-chunk-card][aria-current="true"]')?.dataset.id)

test('an editor moves through chunks with j and k, opens one with Enter, ticks two with x, follows "Generate from selected chunks" and starts a batch grounded in both', async () => {
  const doc = await insertDocumentWithChunks(database.db, 'Returns handbook', [
    'Refunds are paid to the original card within ten days.',
    'Damaged parcels can be returned with a prepaid label.',
    'Exchanges are free for thirty days after delivery.',
    'Gift cards cannot be refunded or exchanged for cash.',
  ])
  const editor = await makeUser(database, 'editor')
  const context = await browser.newContext()
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  await signInAs(page, server.url, editor)
  const template = await page.request.post(`${server.url}/api/templates`, {
    headers: { origin: server.url, accept: 'application/json' },
    data: {
      name: 'Returns chat',
      system_prompt: 'You write customer support conversations.',
      prompt: 'A customer asks about returns.',
      parameters: [],
      min_turns: 2,
      max_turns: 6,
    },
  })
  expect(template.status()).toBe(201)
  await page.goto(`${server.url}/chunks?document_id=${doc.id}`)
  await page.waitForSelector('[data-chunk-card]')

  await page.keyboard.press('j')
  expect(await currentCard(page)).toBe(doc.chunkIds[0])
  await page.keyboard.press('j')
  await page.keyboard.press('j')
  expect(await currentCard(page)).toBe(doc.chunkIds[2])
  await page.keyboard.press('k')
  expect(await currentCard(page)).toBe(doc.chunkIds[1])

  await page.keyboard.press('Enter')
  await page.waitForFunction(() => document.querySelector('#chunk-detail')?.textContent?.includes('prepaid label'), undefined, { timeout: 5000 })
  expect(new URL(page.url()).pathname).toBe('/chunks')

  await page.keyboard.press('x') // tick chunk 1
  await page.keyboard.press('j')
  await page.keyboard.press('j')
  await page.keyboard.press('x') // tick chunk 3
  expect(await page.textContent('[data-generate]')).toBe('Generate from selected chunks (2)')

  // Typing in the search box is text, not keys: no card moves and nothing is ticked.
  await page.click('#f-q')
  await page.keyboard.type('xj')
  expect(await currentCard(page)).toBe(doc.chunkIds[3])
  await page.fill('#f-q', '')

  await Promise.all([page.waitForURL(/\/generate\?/), page.click('text=Generate from selected chunks')])
  const url = new URL(page.url())
  expect(url.pathname).toBe('/generate')
  const chosen = [doc.chunkIds[1]!, doc.chunkIds[3]!].sort()
  expect(url.searchParams.getAll('chunk_ids').sort()).toEqual(chosen)

  // The generate page lists both chunks, estimates the batch from them and starts it.
  expect(await page.textContent('#source-chunks legend')).toBe('Source chunks (2)')
  expect(await page.textContent('#source-chunks')).toContain('Damaged parcels can be returned with a prepaid label.')
  await Promise.all([page.waitForURL(/\/generate\/preview$/), page.click('text=Preview cost')])
  expect(await page.textContent('#estimate-chunks')).toMatch(/^Grounded in 2 chunks: /)
  await Promise.all([page.waitForURL(/\/batches\/[0-9a-f-]{36}$/), page.click('text=Start batch')])
  const batchId = new URL(page.url()).pathname.split('/').at(-1)!
  const conversations = await database.db.selectFrom('conversations').select('parent_chunk_id').where('batch_id', '=', batchId).execute()
  expect(conversations.map((c) => c.parent_chunk_id).sort()).toEqual(chosen)
  expect(errors).toEqual([])
  await context.close()
})

test('search as you type narrows the cards and puts the search in the address', async () => {
  const doc = await insertDocumentWithChunks(database.db, 'Developer guide', [
    'Webhooks retry with exponential backoff for a day.',
    'Tokens expire after an hour; refresh them with the refresh endpoint.',
  ])
  const viewer = await makeUser(database, 'viewer')
  const context = await browser.newContext()
  const page = await context.newPage()
  await signInAs(page, server.url, viewer)
  await page.goto(`${server.url}/chunks`)
  await page.waitForSelector(`#chunk-${doc.chunkIds[0]}`)
  await page.click('#f-q')
  await page.keyboard.type('webhooks')
  await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'webhooks', undefined, { timeout: 5000 })
  await page.waitForFunction(
    ([shown, hidden]) => document.querySelector(`#chunk-${shown}`) && !document.querySelector(`#chunk-${hidden}`),
    [doc.chunkIds[0], doc.chunkIds[1]],
    { timeout: 5000 },
  )
  expect(await page.$('text=Analyze selected')).toBeNull()
  await context.close()
})

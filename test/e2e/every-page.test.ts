import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import type { Browser, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { seedConversations } from '../../src/conversations/seed'
import type { Role } from '../../src/db/schema'
import { seedDocuments } from '../../src/documents/seed'
import { makeUser, type TestUser } from '../helpers/app'
import { signInAs, useBrowserApp } from '../helpers/browser'
import type { RunningApp } from '../helpers/server'

/**
 * Every page as each role would find it: starting from the dashboard, the test follows the links
 * a person can click (one page per route shape: ids become ":id"). On each page axe-core must find
 * no serious or critical violation (admins, who reach every page, in the light and the dark theme;
 * the other roles in the light one), the first Tab stops must show a focus outline, and at 390 px
 * the page must not scroll sideways. Screenshots of every page at 1280 and 390 px go to
 * test-results/screenshots/<role>/, so a person can look at all of them in a minute.
 */

let server: RunningApp
let browser: Browser
const users = {} as Record<Role, TestUser>

useBrowserApp((t) => ({ server, browser } = t), {
  worker: false,
  seed: async (db) => {
    await seedConversations(db.db, { count: 400, parallel: 2 })
    await seedDocuments(db.db, { count: 2, parallel: 1 })
    for (const role of ['admin', 'editor', 'reviewer', 'viewer'] as const) users[role] = await makeUser(db, role)
  },
})

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots')
/** Links that are not pages: files, event streams, signing out. */
const NOT_PAGES = /\/(download|events|stream|logout)(\/|$|\?)|^\/static\/|\.(json|jsonl|csv|md|txt|zip)$/
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g
/** The most pages one crawl visits: enough for every route shape, bounded so a link loop cannot run away. */
const MAX_PAGES = 80

/** One page per route shape: /conversations/<uuid> and /conversations/<other uuid> are the same page. */
const shapeOf = (path: string) => path.replace(UUID, ':id')
const slug = (shape: string) =>
  shape
    .replace(/^\//, '')
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '') || 'dashboard'

async function linksOn(page: Page): Promise<string[]> {
  return page.$$eval('a[href^="/"]', (anchors) => anchors.map((a) => new URL((a as HTMLAnchorElement).href).pathname))
}

/** The serious and critical axe violations on the page, one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    )
}

type Finding = { page: string; problem: string }

/** Tabs through the first controls of the page: each must show a visible focus outline. */
async function invisibleFocus(page: Page): Promise<string[]> {
  const problems: string[] = []
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab')
    const focus = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null
      if (!el || el === document.body) return null
      const style = getComputedStyle(el)
      return {
        what: `${el.tagName.toLowerCase()} "${(el.textContent ?? '').trim().slice(0, 30)}"`,
        visible: style.outlineStyle !== 'none' && style.outlineWidth !== '0px',
      }
    })
    if (focus && !focus.visible) problems.push(`${focus.what} has no visible focus`)
  }
  return problems
}

/** Admins reach every page: they are checked in both themes, with screenshots; the other roles in the light theme. */
async function crawl(role: Role, options: { screenshots: boolean }): Promise<{ visited: string[]; findings: Finding[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(10_000)
  const findings: Finding[] = []
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  const visited: string[] = []
  try {
    await signInAs(page, server.url, users[role])
    const queue = ['/']
    const seen = new Set<string>()
    const dir = join(SCREENSHOTS, role)
    if (options.screenshots) await mkdir(dir, { recursive: true })
    while (queue.length > 0 && visited.length < MAX_PAGES) {
      const path = queue.shift() as string
      const shape = shapeOf(path)
      if (seen.has(shape)) continue
      seen.add(shape)
      await page.setViewportSize({ width: 1280, height: 900 })
      const res = await page.goto(`${server.url}${path}`)
      // A link the role cannot follow would be a fault of its own: pages offer only what the role may do.
      if (!res || res.status() >= 400) {
        findings.push({ page: shape, problem: `answered ${res?.status()}` })
        continue
      }
      visited.push(shape)
      for (const link of await linksOn(page)) if (!NOT_PAGES.test(link) && !seen.has(shapeOf(link))) queue.push(link)
      for (const problem of await invisibleFocus(page)) findings.push({ page: shape, problem })
      const chosen = await page.getAttribute('html', 'data-theme')
      for (const theme of options.screenshots ? (['light', 'dark'] as const) : (['light'] as const)) {
        await page.evaluate((t) => document.documentElement.setAttribute('data-theme', t), theme)
        for (const problem of await seriousViolations(page)) findings.push({ page: `${shape} (${theme})`, problem })
      }
      await page.evaluate((t) => document.documentElement.setAttribute('data-theme', t ?? 'system'), chosen)
      if (options.screenshots) await page.screenshot({ path: join(dir, `${slug(shape)}-1280.png`), fullPage: true })
      await page.setViewportSize({ width: 390, height: 844 })
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      if (overflow > 1) findings.push({ page: shape, problem: `scrolls ${overflow}px sideways at 390 px` })
      if (options.screenshots) await page.screenshot({ path: join(dir, `${slug(shape)}-390.png`), fullPage: true })
    }
  } finally {
    await context.close()
  }
  for (const message of errors) findings.push({ page: '(script)', problem: message })
  return { visited, findings }
}

test.each(['admin', 'editor', 'reviewer', 'viewer'] as const)(
  'every page a %s can reach has no serious accessibility violation, shows where the keyboard is, and fits a 390 px screen',
  async (role) => {
    const { visited, findings } = await crawl(role, { screenshots: role === 'admin' })
    expect(visited.length).toBeGreaterThan(role === 'viewer' ? 5 : 10)
    expect(findings).toEqual([])
  },
  240_000,
)

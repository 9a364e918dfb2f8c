import { existsSync } from 'node:fs'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { createTestDatabase, type TestDatabase } from './db'
import { type RunningApp, startTestServer } from './server'

/**
 * Debian's Chromium, headless. Nothing is downloaded: when it is missing the test fails saying
 * how to install it. The flags keep it from reaching out to the network, which is closed here.
 */
export async function launchBrowser(executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium was not found at ${executablePath}. Install it with "sudo apt-get install chromium" ` +
        '(or set CHROMIUM_PATH to a Chromium binary) and run the tests again.',
    )
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/** Signs in through the real login form. */
export async function signInAs(page: Page, baseUrl: string, user: { email: string; password: string }): Promise<void> {
  await page.goto(`${baseUrl}/login`)
  await page.fill('input[name=email]', user.email)
  await page.fill('input[name=password]', user.password)
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.click('button[type=submit]')])
}

/** Runs `fn` in a page of its own fresh context (no cookies shared with other tests), then closes it. */
export async function withPage<T>(browser: Browser, fn: (page: Page) => Promise<T>): Promise<T> {
  const context = await browser.newContext()
  try {
    return await fn(await context.newPage())
  } finally {
    await context.close()
  }
}

export type BrowserApp = { database: TestDatabase; server: RunningApp; browser: Browser }

/**
 * The setup browser test files share: a database of the file's own, the real server on it (with a
 * worker unless `worker: false`) and a headless Chromium, all for the whole file. `seed` runs before
 * the server starts; `ready` gets them once they are up.
 */
export function useBrowserApp(ready: (t: BrowserApp) => void, options: { worker?: boolean; seed?: (database: TestDatabase) => Promise<void> } = {}): void {
  const t: Partial<BrowserApp> = {}
  beforeAll(async () => {
    t.database = await createTestDatabase()
    await options.seed?.(t.database)
    t.server = await startTestServer(t.database, { worker: options.worker })
    t.browser = await launchBrowser()
    ready(t as BrowserApp)
  })
  afterAll(async () => {
    await t.browser?.close()
    await t.server?.stop()
    await t.database?.drop()
  })
}

import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { createApp } from '../../src/app'
import { insertUser } from '../../src/auth/users'
import { type Config, loadConfig } from '../../src/config'
import type { Role } from '../../src/db/schema'
import type { Deps } from '../../src/deps'
import { createLogger } from '../../src/log'
import { createTestDatabase, type TestDatabase, truncateAll } from './db'

export const ORIGIN = 'http://localhost'

export function testConfig(database: TestDatabase, env: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: database.url,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'train-data-app-')),
    LOG_LEVEL: 'silent',
    ...env,
  })
}

export function testApp(database: TestDatabase, env: Record<string, string> = {}) {
  const deps: Deps = { db: database.db, config: testConfig(database, env), log: createLogger('silent'), pool: database.pool }
  return { app: createApp(deps), deps }
}

export type App = ReturnType<typeof testApp>['app']
export type TestApp = { database: TestDatabase } & ReturnType<typeof testApp>
export type SignedIn = TestApp & { user: TestUser; cookie: string }
/** `env` may be a function when it needs something another beforeAll starts (a fake API's URL). */
type UseAppOptions = { env?: Record<string, string> | (() => Record<string, string>) }

/**
 * The setup test files share: a database of the file's own (dropped afterwards) with an app on it,
 * every table emptied before each test and, given a role, a new user of that role signed in.
 * `ready` gets them once the database exists and again before each test, after the user signs in.
 */
export function useApp(ready: (t: TestApp) => void, options?: UseAppOptions): void
export function useApp(role: Role, ready: (t: SignedIn) => void, options?: UseAppOptions): void
export function useApp(...args: [(t: TestApp) => void, UseAppOptions?] | [Role, (t: SignedIn) => void, UseAppOptions?]): void {
  const [role, ready, options = {}] = typeof args[0] === 'string' ? args : [undefined, args[0], args[1]]
  let t: SignedIn
  beforeAll(async () => {
    const database = await createTestDatabase()
    t = {
      database,
      ...testApp(database, typeof options.env === 'function' ? options.env() : options.env),
      user: undefined as never,
      cookie: undefined as never,
    }
    ready(t)
  })
  afterAll(() => t?.database.drop())
  beforeEach(async () => {
    await truncateAll(t.database)
    if (role) {
      t.user = await makeUser(t.database, role)
      t.cookie = await signIn(t.app, t.user)
    }
    ready(t)
  })
}

export type TestUser = { id: string; email: string; password: string; role: Role }

let counter = 0
export async function makeUser(database: TestDatabase, role: Role, password = 'correct horse battery'): Promise<TestUser> {
  const email = `${role}${++counter}@example.com`
  const user = await insertUser(database.db, { email, role, password })
  if (!user) throw new Error(`could not create ${email}`)
  return { id: user.id, email, password, role }
}

/** A browser-like form post from our own origin. */
export function form(fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...headers },
    body: new URLSearchParams(fields).toString(),
  }
}

export function json(body: unknown, headers: Record<string, string> = {}, method = 'POST'): RequestInit {
  return { method, headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(body) }
}

/** Signs in through POST /login and returns the Cookie header to send afterwards. */
export async function signIn(app: App, user: { email: string; password: string }): Promise<string> {
  const res = await app.request('/login', form({ email: user.email, password: user.password }))
  if (res.status !== 303) throw new Error(`sign-in failed with ${res.status}: ${await res.text()}`)
  const cookie = res.headers.get('set-cookie')?.split(';')[0]
  if (!cookie) throw new Error('no session cookie')
  return cookie
}

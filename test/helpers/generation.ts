import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, vi } from 'vitest'
import { type AiSettingsChange, changeAiSettings } from '../../src/generation/ai-settings'
import { type FakeAnthropic, startFakeAnthropic } from '../fake-anthropic/server'
import { json, type testApp } from './app'
import type { TestDatabase } from './db'

type App = ReturnType<typeof testApp>['app']

/** The fake Anthropic API for the whole file, reset before each test; `ready` gets it once it listens. */
export function useFakeAnthropic(ready: (fake: FakeAnthropic) => void): void {
  let fake: FakeAnthropic | undefined
  beforeAll(async () => {
    fake = await startFakeAnthropic()
    ready(fake)
  })
  beforeEach(() => fake?.reset())
  afterAll(() => fake?.close())
}

/** The app's settings for calling the fake API through the real SDK, with four jobs at a time. */
export const viaFake = (fake: FakeAnthropic) => ({ ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url, WORKER_CONCURRENCY: '4' })

/** vi.waitFor for a probe that answers falsy until it is done; the error names what never came. */
export function waitFor<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await check()
      if (!value) throw new Error(`timed out waiting for ${what}`)
      return value
    },
    { timeout: timeoutMs, interval: 50 },
  )
}

/** A template through the templates API, with one required parameter and 4–8 turns. */
export async function makeTemplate(app: App, cookie: string, overrides: Record<string, unknown> = {}): Promise<{ id: string }> {
  const res = await app.request(
    '/api/templates',
    json(
      {
        name: 'Support chat',
        system_prompt: 'You write realistic customer support conversations for a bank.',
        prompt: 'A customer asks about {{topic}} and the assistant helps them patiently.',
        parameters: [{ name: 'topic', type: 'string', required: true, default: 'a delayed refund' }],
        min_turns: 4,
        max_turns: 8,
        ...overrides,
      },
      { cookie, origin: 'http://localhost' },
    ),
  )
  if (res.status !== 201) throw new Error(`template: ${res.status} ${await res.text()}`)
  return (await res.json()) as { id: string }
}

/** Changes the active AI settings as an admin would (the in-process cache is dropped at once). */
export async function setAiSettings(database: TestDatabase, adminId: string, change: AiSettingsChange): Promise<void> {
  await changeAiSettings(database.db, adminId, change)
}

export async function countJobs(database: TestDatabase, task = 'generate_conversation'): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs where task_identifier = ${task}`.execute(database.db)
  return rows[0]!.n
}

import type { Kysely } from 'kysely'
import { expect } from 'vitest'
import type { DB, Turn } from '../../src/db/schema'
import type { Deps } from '../../src/deps'
import { runExport } from '../../src/exports/run-export'
import { json } from './app'

type App = { request: (path: string, init?: RequestInit) => Response | Promise<Response> }

/** A template (version 3) with one scenario, for conversations whose metadata a test checks. */
export async function insertTemplate(db: Kysely<DB>) {
  const template = await db
    .insertInto('templates')
    .values({
      name: 'Billing support',
      system_prompt: 'You are a billing agent.',
      prompt: 'Talk about {{topic}}.',
      parameters: '[]',
      min_turns: 2,
      max_turns: 8,
      quality_threshold: 6,
      version: 3,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const version = await db
    .insertInto('template_versions')
    .values({ template_id: template.id, version: 3, snapshot: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow()
  const scenario = await db
    .insertInto('scenarios')
    .values({ template_id: template.id, name: 'Refund with an angry parent', values: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { templateId: template.id, versionId: version.id, scenarioId: scenario.id }
}

let clock = Date.parse('2026-01-01T00:00:00Z')

/** One conversation with the given turns; created_at increases with each call, so export order is insertion order. */
export async function insertConversation(
  db: Kysely<DB>,
  fields: {
    turns: unknown[]
    status?: 'approved' | 'pending_review' | 'rejected'
    title?: string
    system_prompt?: string
    simulated?: boolean
    template?: Awaited<ReturnType<typeof insertTemplate>>
  },
) {
  clock += 60_000
  const row = await db
    .insertInto('conversations')
    .values({
      tier: 'T2',
      status: fields.status ?? 'approved',
      title: fields.title ?? 'A conversation',
      persona: 'frustrated parent',
      emotion: 'angry',
      topic: 'refund',
      system_prompt: fields.system_prompt ?? 'You are a helpful support agent.',
      turns: JSON.stringify(fields.turns as Turn[]),
      turn_count: fields.turns.length,
      quality_score: 8.25,
      quality_parts: JSON.stringify({ balance: 9, structure: 7.5 }),
      model: 'claude-haiku-4-5',
      input_tokens: 1200,
      output_tokens: 340,
      cost_usd: 0.0029,
      simulated: fields.simulated ?? false,
      template_id: fields.template?.templateId ?? null,
      template_version_id: fields.template?.versionId ?? null,
      scenario_id: fields.template?.scenarioId ?? null,
      created_at: new Date(clock),
    })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow()
  return row.id
}

/** Starts an export through the API, runs its job here and returns the finished row as the API shows it. */
export async function exportNow(app: App, deps: Deps, headers: Record<string, string>, body: unknown) {
  const res = await app.request('/api/exports', json(body, headers))
  expect(res.status, await res.clone().text()).toBe(202)
  const { id } = (await res.json()) as { id: string }
  await runExport(deps, id)
  const shown = await app.request(`/api/exports/${id}`, { headers })
  return (await shown.json()) as ExportJson
}

export type ExportJson = {
  id: string
  status: string
  count: number
  bytes: number
  sha256: string | null
  error: string | null
  files: { name: string; bytes: number; sha256: string; count: number; url: string }[]
  report: {
    total: number
    written: number
    invalid_count: number
    invalid: { id: string; problems: string[] }[]
    warnings: string[]
    largest_example_tokens: number
  }
}

/** Downloads an export's file as bytes. */
export async function download(app: App, url: string, headers: Record<string, string>): Promise<{ res: Response; bytes: Buffer }> {
  const res = await app.request(url, { headers })
  return { res, bytes: Buffer.from(await res.arrayBuffer()) }
}

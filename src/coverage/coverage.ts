import { type Kysely, sql } from 'kysely'
import { z } from 'zod'
import { FILTER_FIELDS, listedConversations } from '../conversations/filter'
import type { DB } from '../db/schema'
import { optionalField } from '../http/params'

/**
 * A dataset's coverage: how many conversations each persona × emotion × topic has, for a template, a
 * batch and statuses, so the combinations nobody generated yet stand out. The axes are the values
 * the conversations use plus those the chosen template offers (its scenarios and its persona,
 * emotion and topic parameters), so a value never generated still gets its row or column.
 */

export const CoverageQuery = z.object({
  template_id: FILTER_FIELDS.template_id,
  batch_id: FILTER_FIELDS.batch_id,
  status: FILTER_FIELDS.status,
  /** One topic's grid; left out, every topic summed. */
  topic: optionalField(z.string().trim().max(200, 'must be at most 200 characters')),
})
export type CoverageQuery = z.infer<typeof CoverageQuery>

export type Coverage = {
  personas: string[]
  emotions: string[]
  /** Every topic with its count (zero for a topic only the template offers), by name. */
  topics: Array<{ topic: string; count: number }>
  /** The grid's topic, null for all topics. */
  topic: string | null
  /** counts[persona][emotion] for the grid's topic (or all), zero where none. */
  counts: Record<string, Record<string, number>>
  total: number
  /** The largest cell, to scale the colours. */
  max: number
}

type Axis = 'persona' | 'emotion' | 'topic'

export async function datasetCoverage(db: Kysely<DB>, query: CoverageQuery): Promise<Coverage> {
  const [rows, offered] = await Promise.all([
    db
      .selectFrom('conversations')
      .select(['persona', 'emotion', 'topic', sql<number>`count(*)::int`.as('n')])
      .where(listedConversations({ template_id: query.template_id, batch_id: query.batch_id, status: query.status }))
      .groupBy(['persona', 'emotion', 'topic'])
      .execute(),
    query.template_id ? templateValues(db, query.template_id) : { persona: [], emotion: [], topic: [] },
  ])
  const axis = (name: Axis) => [...new Set([...rows.map((r) => r[name]), ...offered[name]])].sort((a, b) => a.localeCompare(b))
  const personas = axis('persona')
  const emotions = axis('emotion')
  const topicTotals = new Map(axis('topic').map((t) => [t, 0]))
  const counts: Coverage['counts'] = Object.fromEntries(personas.map((p) => [p, Object.fromEntries(emotions.map((e) => [e, 0]))]))
  const topic = query.topic ?? null
  let total = 0
  for (const r of rows) {
    topicTotals.set(r.topic, (topicTotals.get(r.topic) ?? 0) + r.n)
    total += r.n
    const row = counts[r.persona]
    if (row && (topic === null || r.topic === topic)) row[r.emotion] = (row[r.emotion] ?? 0) + r.n
  }
  const max = Math.max(0, ...Object.values(counts).flatMap((row) => Object.values(row)))
  return { personas, emotions, topics: [...topicTotals].map(([name, count]) => ({ topic: name, count })), topic, counts, total, max }
}

/** The personas, emotions and topics a template offers: its scenarios' and its enum parameters' values. */
async function templateValues(db: Kysely<DB>, templateId: string): Promise<Record<Axis, string[]>> {
  const [scenarios, template] = await Promise.all([
    db.selectFrom('scenarios').select(['persona', 'emotion', 'topic']).where('template_id', '=', templateId).execute(),
    db.selectFrom('templates').select('parameters').where('id', '=', templateId).executeTakeFirst(),
  ])
  const values = (name: Axis) => {
    const parameter = template?.parameters.find((p) => p.name === name)
    return [...scenarios.map((s) => s[name]), ...(parameter?.values ?? [])].filter((v) => v !== '')
  }
  return { persona: values('persona'), emotion: values('emotion'), topic: values('topic') }
}

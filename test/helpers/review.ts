import type { Kysely } from 'kysely'
import type { ConversationStatus, DB, Tier } from '../../src/db/schema'
import { insertTemplate } from '../../src/templates/queries'

/** A template (with its first version), a scenario and a batch for review tests to hang conversations on. */
export async function makeReviewSource(db: Kysely<DB>, name = 'Support chats') {
  // Through the app's own writer, so the version holds the whole snapshot, as every saved version does.
  const template = await insertTemplate(
    db,
    {
      name,
      description: '',
      category: '',
      target_tier: 'T1',
      system_prompt: 'You write support conversations.',
      prompt: 'A {{persona}} asks about {{topic}}.',
      parameters: [],
      min_turns: 2,
      max_turns: 8,
      quality_threshold: 6,
      notes: '',
    },
    null,
  )
  const version = await db.selectFrom('template_versions').select('id').where('template_id', '=', template.id).executeTakeFirstOrThrow()
  const scenario = await db
    .insertInto('scenarios')
    .values({ template_id: template.id, name: 'Refund for a late parcel', persona: 'busy parent', emotion: 'impatient', topic: 'refund', context: 'Web chat.' })
    .returning('id')
    .executeTakeFirstOrThrow()
  const batch = await db
    .insertInto('batches')
    .values({ name: `${name} batch`, template_id: template.id, template_version_id: version.id })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { templateId: template.id, versionId: version.id, scenarioId: scenario.id, batchId: batch.id }
}

export type ReviewSource = Awaited<ReturnType<typeof makeReviewSource>>

/** Conversations waiting for review, created a minute apart (the first is the oldest), with the given quality scores. */
export async function insertConversations(
  db: Kysely<DB>,
  source: ReviewSource,
  qualities: number[],
  options: { status?: ConversationStatus; tier?: Tier; title?: string } = {},
): Promise<string[]> {
  const base = Date.now() - 86_400_000
  const rows = await db
    .insertInto('conversations')
    .values(
      qualities.map((q, i) => ({
        batch_id: source.batchId,
        template_id: source.templateId,
        template_version_id: source.versionId,
        scenario_id: source.scenarioId,
        tier: options.tier ?? 'T2',
        status: options.status ?? 'pending_review',
        title: `${options.title ?? 'Conversation'} ${i + 1}`,
        persona: 'busy parent',
        emotion: 'impatient',
        topic: 'refund',
        parameters: JSON.stringify({ persona: 'busy parent', topic: 'refund' }),
        system_prompt: 'You write support conversations.',
        prompt: 'A busy parent asks about a refund.',
        turns: JSON.stringify([
          { role: 'user', content: `Where is my refund? (${i + 1})` },
          { role: 'assistant', content: 'Let me check that for you.' },
        ]),
        turn_count: 2,
        quality_score: q,
        quality_parts: JSON.stringify({ balance: q, structure: 10 }),
        created_at: new Date(base + i * 60_000),
      })),
    )
    .returning('id')
    .execute()
  return rows.map((r) => r.id)
}

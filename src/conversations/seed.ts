import { type Kysely, sql } from 'kysely'
import { writeConversation } from '../claude/simulated-conversation'
import type { DB, TemplateParameter, TemplateSnapshot } from '../db/schema'
import { scoreQuality } from '../generation/quality'
import { seededRandom } from '../random'

/**
 * Realistic synthetic data for demos, tests and benchmarks, made without calling Claude: templates
 * with versions, scenarios, edge cases, batches, and conversations spread across tiers, statuses,
 * personas, quality scores and three months, with review history for the reviewed ones. Their
 * text comes from the simulator's writer (src/claude/simulated-conversation.ts), scored by the real
 * quality score: a pool of variants per scenario is written once, and the rows are built inside
 * Postgres (INSERT … SELECT over generate_series) from it, so 100,000 take seconds, not minutes.
 */

const PERSONAS = [
  'first-time customer',
  'small business owner',
  'frustrated parent',
  'retired engineer',
  'university student',
  'night-shift nurse',
  'travel blogger',
  'IT administrator',
  'non-native speaker',
  'busy executive',
]
const EMOTIONS = ['calm', 'frustrated', 'anxious', 'curious', 'angry', 'confused', 'grateful', 'impatient', 'sceptical', 'hopeful']
const TOPICS = [
  'billing dispute',
  'password reset',
  'delayed delivery',
  'refund request',
  'account upgrade',
  'data export',
  'broken device',
  'subscription cancel',
  'privacy question',
  'installation help',
  'wrong item shipped',
  'loyalty points',
]
const TEMPLATE_SPECS = [
  { name: 'Customer support: account issues', category: 'support', target_tier: 'T2' as const },
  { name: 'Customer support: orders and delivery', category: 'support', target_tier: 'T2' as const },
  { name: 'Technical troubleshooting', category: 'technical', target_tier: 'T1' as const },
  { name: 'Difficult conversations', category: 'edge', target_tier: 'T3' as const },
  { name: 'Onboarding questions', category: 'onboarding', target_tier: 'T1' as const },
]
const PARAMETERS: TemplateParameter[] = [
  { name: 'persona', type: 'string', required: true, description: 'Who the user is' },
  { name: 'emotion', type: 'enum', required: true, values: EMOTIONS },
  { name: 'topic', type: 'string', required: true },
]

export type SeedResult = { templates: number; scenarios: number; batches: number; conversations: number; ms: number }

export async function seedConversations(db: Kysely<DB>, options: { count: number; createdBy?: string | null; parallel?: number }): Promise<SeedResult> {
  const started = performance.now()
  const createdBy = options.createdBy ?? null
  const templates = await seedTemplates(db, createdBy)
  const scenarios = await db
    .insertInto('scenarios')
    .values(
      templates.flatMap((t, i) =>
        [0, 1, 2, 3].map((j) => ({
          template_id: t.id,
          name: `${TOPICS[(i * 4 + j) % TOPICS.length]} with a ${PERSONAS[(i + j) % PERSONAS.length]}`,
          persona: PERSONAS[(i + j) % PERSONAS.length]!,
          emotion: EMOTIONS[(i * 3 + j) % EMOTIONS.length]!,
          topic: TOPICS[(i * 4 + j) % TOPICS.length]!,
          context: 'The user contacts support through the web chat.',
          intent: 'get the problem solved',
          tone: 'friendly and precise',
        })),
      ),
    )
    .returning(['id', 'template_id', 'persona', 'emotion', 'topic'])
    .execute()
  await db
    .insertInto('edge_cases')
    .values(
      scenarios.slice(0, 6).map((s, i) => ({
        scenario_id: s.id,
        name: `Escalation ${i + 1}`,
        type: 'escalation',
        description: 'The user threatens to leave and asks for a manager.',
        complexity: 3 + i,
      })),
    )
    .execute()
  const batches = await db
    .insertInto('batches')
    .values(
      templates.map((t) => ({
        name: `${t.name} — seeded batch`,
        template_id: t.id,
        template_version_id: t.versionId,
        status: 'done' as const,
        simulated: true,
        created_by: createdBy,
        finished_at: new Date(),
      })),
    )
    .returning(['id', 'template_id'])
    .execute()

  const pool = conversationPool(scenarios)
  // Building search vectors is CPU-bound in Postgres: load chunks on parallel connections.
  const chunk = 5_000
  const sizes = Array.from({ length: Math.ceil(options.count / chunk) }, (_, i) => Math.min(chunk, options.count - i * chunk))
  const lanes = Array.from({ length: Math.min(options.parallel ?? 4, sizes.length) }, async () => {
    for (let size = sizes.shift(); size !== undefined; size = sizes.shift()) await insertConversationChunk(db, size, createdBy, pool)
  })
  await Promise.all(lanes)
  await seedReviewHistory(
    db,
    batches.map((b) => b.id),
  )
  await sql`
    update batches b set total = c.n, input_tokens = c.input_tokens, output_tokens = c.output_tokens, cost_usd = c.cost
    from (select batch_id, count(*) n, sum(input_tokens) input_tokens, sum(output_tokens) output_tokens, sum(cost_usd) cost
          from conversations group by batch_id) c
    where c.batch_id = b.id`.execute(db)
  await sql`analyze conversations`.execute(db)
  return {
    templates: templates.length,
    scenarios: scenarios.length,
    batches: batches.length,
    conversations: options.count,
    ms: Math.round(performance.now() - started),
  }
}

export const SEEDED_REJECTION_REASONS = ['off_topic', 'factual_error', 'unnatural_dialogue', 'repetitive', 'too_short'] as const

/** One review action per reviewed conversation, so history and quality pages have something to show. */
async function seedReviewHistory(db: Kysely<DB>, batchIds: string[]): Promise<void> {
  await sql`
    insert into review_actions (conversation_id, reviewer_id, action, from_status, to_status, reasons, comment, created_at)
    select id, reviewed_by,
      case status when 'approved' then 'approve' when 'rejected' then 'reject' else 'request_changes' end,
      'pending_review', status,
      case when status = 'rejected' then array[(${sql.val([...SEEDED_REJECTION_REASONS])}::text[])[1 + (abs(hashtext(id::text)) % ${SEEDED_REJECTION_REASONS.length})]] else '{}'::text[] end,
      case when status = 'needs_revision' then 'Make the agent less formal.' else '' end,
      reviewed_at
    from conversations
    where batch_id = any(${sql.val(batchIds)}::uuid[]) and reviewed_at is not null`.execute(db)
}

const SYSTEM_PROMPT = 'You write realistic, multi-turn customer conversations for training a support assistant.'
/** Variants written per scenario: enough that neighbouring rows rarely read alike, few enough to write in a second. */
const VARIANTS = 100

type ConversationPool = { scenario_id: string[]; variant: number[]; title: string[]; turns: string[]; turn_count: number[]; quality: number[]; parts: string[] }

/** The simulator's conversations for each scenario, scored as generation scores them (with no batch to compare against). */
function conversationPool(scenarios: Array<{ id: string; persona: string; emotion: string; topic: string }>): ConversationPool {
  const pool: ConversationPool = { scenario_id: [], variant: [], title: [], turns: [], turn_count: [], quality: [], parts: [] }
  for (const scenario of scenarios) {
    for (let variant = 0; variant < VARIANTS; variant++) {
      const brief = { persona: scenario.persona, emotion: scenario.emotion, topic: scenario.topic, purpose: SYSTEM_PROMPT, minTurns: 4, maxTurns: 8 }
      const { title, turns } = writeConversation(brief, seededRandom(`${scenario.persona}|${scenario.emotion}|${scenario.topic}|${variant}`))
      const { score, parts } = scoreQuality({ turns, minTurns: 4, maxTurns: 8, others: [] })
      pool.scenario_id.push(scenario.id)
      pool.variant.push(variant)
      pool.title.push(title)
      pool.turns.push(JSON.stringify(turns))
      pool.turn_count.push(turns.length)
      pool.quality.push(score)
      pool.parts.push(JSON.stringify(parts))
    }
  }
  return pool
}

async function seedTemplates(db: Kysely<DB>, createdBy: string | null) {
  const made: { id: string; name: string; versionId: string }[] = []
  for (const spec of TEMPLATE_SPECS) {
    const fields: TemplateSnapshot = {
      ...spec,
      description: `Seeded template for ${spec.category} conversations.`,
      system_prompt: SYSTEM_PROMPT,
      prompt: 'Write a conversation between a {{persona}} who feels {{emotion}} and a support agent about {{topic}}.',
      parameters: PARAMETERS,
      min_turns: 4,
      max_turns: 8,
      quality_threshold: 6,
      notes: '',
    }
    const template = await db
      .insertInto('templates')
      .values({ ...fields, parameters: JSON.stringify(PARAMETERS), created_by: createdBy })
      .returning(['id', 'name'])
      .executeTakeFirstOrThrow()
    const version = await db
      .insertInto('template_versions')
      .values({ template_id: template.id, version: 1, snapshot: JSON.stringify(fields), created_by: createdBy })
      .returning('id')
      .executeTakeFirstOrThrow()
    made.push({ ...template, versionId: version.id })
  }
  return made
}

/**
 * One INSERT … SELECT per chunk. Status, tier, dates and a variant of the row's scenario from the
 * pool are drawn per row; title, turns and quality come with the variant.
 */
async function insertConversationChunk(db: Kysely<DB>, n: number, createdBy: string | null, pool: ConversationPool): Promise<void> {
  await sql`
    with pool as (
      select * from unnest(${pool.scenario_id}::uuid[], ${pool.variant}::int[], ${pool.title}::text[], ${pool.turns}::jsonb[],
                           ${pool.turn_count}::int[], ${pool.quality}::numeric[], ${pool.parts}::jsonb[])
        as p(scenario_id, variant, title, turns, turn_count, quality_score, quality_parts)
    ), picks as (
      select g,
        (select array_agg(s.id order by s.id) from scenarios s) as scenario_ids,
        random() as r_status, random() as r_tier, random() as r_day,
        (random() * 1000)::int as r_line
      from generate_series(1, ${n}) g
    ), rows as (
      select p.*,
        sc.id as scenario_id, sc.template_id, sc.persona, sc.emotion, sc.topic,
        v.title, v.turns, v.turn_count, v.quality_score, v.quality_parts,
        (select b.id from batches b where b.template_id = sc.template_id order by b.created_at desc limit 1) as batch_id,
        (select t.id from template_versions t where t.template_id = sc.template_id and t.version = 1) as template_version_id,
        -- Reviewers approve what reads well: a low-scoring conversation that would have been approved is rejected.
        case when p.r_status < 0.35 then 'pending_review' when p.r_status < 0.75 then case when v.quality_score < 6 then 'rejected' else 'approved' end
             when p.r_status < 0.88 then 'rejected'
             when p.r_status < 0.94 then 'needs_revision' when p.r_status < 0.97 then 'failed' else 'draft' end as status,
        case when p.r_tier < 0.5 then 'T1' when p.r_tier < 0.85 then 'T2' else 'T3' end as tier,
        now() - (p.r_day * interval '90 days') as created_at
      from picks p
      cross join lateral (select id, template_id, persona, emotion, topic from scenarios
                          where id = p.scenario_ids[1 + (p.g % array_length(p.scenario_ids, 1))]) sc
      join pool v on v.scenario_id = sc.id and v.variant = p.r_line % ${VARIANTS}
    )
    insert into conversations (batch_id, template_id, template_version_id, scenario_id, tier, status, title, persona, emotion,
      topic, parameters, system_prompt, prompt, turns, turn_count, quality_score, quality_parts, flagged, model, input_tokens,
      output_tokens, cost_usd, simulated, generation_ms, created_by, reviewed_by, reviewed_at, created_at, updated_at)
    select batch_id, template_id, template_version_id, scenario_id, tier, status, title, persona, emotion, topic,
      jsonb_build_object('persona', persona, 'emotion', emotion, 'topic', topic),
      ${SYSTEM_PROMPT},
      'Write a conversation between a ' || persona || ' who feels ' || emotion || ' and a support agent about ' || topic || '.',
      case when status = 'failed' then '[]'::jsonb else turns end,
      case when status = 'failed' then 0 else turn_count end,
      case when status in ('failed', 'draft') then null else quality_score end,
      case when status in ('failed', 'draft') then null else quality_parts end,
      status not in ('failed', 'draft') and quality_score < 6,
      'claude-haiku-4-5',
      900 + turn_count * 20, 120 * turn_count, round(((900 + turn_count * 20) * 0.000001 + 120 * turn_count * 0.000005)::numeric, 6),
      true,
      800 + (r_line * 7),
      ${createdBy},
      case when status in ('approved', 'rejected', 'needs_revision') then ${createdBy}::uuid end,
      case when status in ('approved', 'rejected', 'needs_revision') then least(created_at + interval '1 day', now()) end,
      created_at, created_at
    from rows`.execute(db)
}

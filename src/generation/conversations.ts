import { type Kysely, type SqlBool, sql } from 'kysely'
import { withBackup } from '../backups/write'
import { findVersion, requireConversation } from '../conversations/detail'
import type { DB } from '../db/schema'
import { Conflict, NotFound, ValidationFailed } from '../errors'
import { recordStatusChange } from '../review/actions'
import { resolvePrompts } from '../templates/prompt'
import { activeAiSettings } from './ai-settings'
import { reopenBatches } from './batches/completion'
import { requeueFailed } from './claims'
import { addGenerationJobs } from './jobs'
import { notifyBatch } from './progress-channel'

/** A conversation's generation side: retry, regeneration and rollback (reading it: src/conversations/detail.ts). */

/** The id query addGenerationJobs takes, for this one conversation. */
const onlyConversation = (id: string) => sql<SqlBool>`id = ${id}::uuid`

/** A failed conversation, queued again on its own. */
export async function retryConversation(db: Kysely<DB>, id: string): Promise<void> {
  const ai = await activeAiSettings(db)
  const batchId = await db.transaction().execute(async (trx) => {
    const [row] = await requeueFailed(trx, onlyConversation(id))
    if (!row) throw new Conflict('Only a conversation whose generation failed can be retried.')
    if (row.batch_id) await reopenBatches(trx, [row.batch_id])
    await addGenerationJobs(trx, onlyConversation(id), ai.max_retries + 1)
    return row.batch_id
  })
  if (batchId) await notifyBatch(db, batchId)
}

const FINISHED = ['pending_review', 'approved', 'rejected', 'needs_revision', 'failed'] as const

/**
 * Generates the conversation again from the same inputs, optionally with some values or the model
 * changed. The current turns stay in conversation_versions; the new ones become a new version and
 * go to review (or auto-review) like any result. The status change is recorded as 'regenerated'
 * by `userId`; with `seen`, only if the conversation is still at the version the user saw.
 */
export async function regenerateConversation(
  db: Kysely<DB>,
  id: string,
  change: { values?: Record<string, string | number | boolean>; model?: string },
  by: { userId: string; seen?: number },
): Promise<void> {
  const conversation = await requireConversation(db, id)
  if (conversation.status === 'cancelled') throw new Conflict('Its batch was cancelled before this conversation was generated; start a new batch instead.')
  if (!(FINISHED as readonly string[]).includes(conversation.status)) {
    throw new Conflict(`The conversation is ${conversation.status}; wait until it has finished before regenerating it.`)
  }
  const update: { parameters?: string; system_prompt?: string; prompt?: string; model?: string } = {}
  if (change.model) update.model = change.model
  if (change.values && Object.keys(change.values).length > 0) {
    const version = conversation.template_version_id
      ? await db.selectFrom('template_versions').select('snapshot').where('id', '=', conversation.template_version_id).executeTakeFirst()
      : undefined
    if (!version) throw new Conflict('The template version this conversation came from is gone, so its values cannot be changed.')
    const resolved = resolvePrompts(version.snapshot, { ...conversation.parameters, ...change.values })
    const problems: Record<string, string> = { ...resolved.invalid }
    for (const name of resolved.unknown) problems[`values.${name}`] = 'Not a parameter of this template'
    for (const name of resolved.missing) problems[`values.${name}`] = 'Missing'
    if (Object.keys(problems).length) throw new ValidationFailed('The changed values do not fit the template.', problems)
    // Only the template's own prompt is re-filled; the scenario and shape instructions after it stay.
    const oldFilled = resolvePrompts(version.snapshot, conversation.parameters).prompt
    update.parameters = JSON.stringify(resolved.values)
    update.system_prompt = resolved.system_prompt
    update.prompt = conversation.prompt.startsWith(oldFilled.trim())
      ? resolved.prompt.trim() + conversation.prompt.slice(oldFilled.trim().length)
      : resolved.prompt
  }
  const ai = await activeAiSettings(db)
  await db.transaction().execute(async (trx) => {
    const before = await lockUnchanged(trx, id, by.seen)
    const row = await trx
      .updateTable('conversations')
      .set({
        ...update,
        status: 'queued',
        error_code: null,
        error_message: null,
        error_details: null,
        attempts: 0,
        version: sql`version + 1`,
        reviewed_by: null,
        reviewed_at: null,
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .where('status', 'in', [...FINISHED])
      .returning('id')
      .executeTakeFirst()
    if (!row) throw new Conflict('The conversation changed meanwhile; reload and try again.')
    const what = [change.model && `model ${change.model}`, update.parameters && 'changed values'].filter(Boolean).join(' and ')
    await recordStatusChange(trx, {
      conversationId: id,
      userId: by.userId,
      action: 'regenerated',
      from: before.status,
      to: 'queued',
      comment: what ? `Regenerated with ${what}.` : 'Regenerated.',
    })
    await addGenerationJobs(trx, onlyConversation(id), ai.max_retries + 1)
  })
}

/**
 * The conversation's row, locked, if it is not trashed and (when `seen` is given) still at the
 * version the user saw: otherwise a 404, or a 409 naming the current version.
 */
async function lockUnchanged(trx: Kysely<DB>, id: string, seen: number | undefined) {
  const row = await trx.selectFrom('conversations').select(['status', 'version', 'deleted_at']).where('id', '=', id).forUpdate().executeTakeFirst()
  if (!row || row.deleted_at) throw new NotFound('No such conversation.')
  if (seen !== undefined && row.version !== seen) {
    throw new Conflict(
      `This conversation changed since you opened it (you saw revision ${seen}, it is now revision ${row.version}). Reload it and try again.`,
      { version: row.version },
    )
  }
  return row
}

/**
 * Makes an old content version current again, recorded as a new version with source 'rollback'.
 * Only if the conversation is still at the row version the user saw (`seen`); it goes back to
 * review, recorded as 'rolled_back' by the user.
 */
export async function rollbackConversation(
  db: Kysely<DB>,
  id: string,
  version: number,
  by: { userId: string; seen: number; backupDir: string },
): Promise<void> {
  const target = await findVersion(db, id, version)
  const turns = JSON.stringify(target.turns)
  const parts = target.quality_parts === null ? null : JSON.stringify(target.quality_parts)
  // The conversation as it was (content, status, history) is saved first: the Backups page can put it back.
  const items = db.selectFrom('conversations').select('id').where('id', '=', id).forUpdate()
  const description = `Rollback of "${target.title}" to version ${version}`
  await withBackup(db, by.backupDir, { reason: 'rollback', description, userId: by.userId, items }, async (trx) => {
    const before = await lockUnchanged(trx, id, by.seen)
    if (before.status === 'queued' || before.status === 'generating') {
      throw new Conflict('The conversation is being generated; wait until it has finished.')
    }
    const next = await trx
      .selectFrom('conversation_versions')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('conversation_id', '=', id)
      .executeTakeFirstOrThrow()
    await trx
      .insertInto('conversation_versions')
      .values({
        conversation_id: id,
        version: Number(next.v ?? 0) + 1,
        source: 'rollback',
        title: target.title,
        turns,
        parameters: JSON.stringify(target.parameters),
        model: target.model,
        quality_score: target.quality_score,
        quality_parts: parts,
        created_by: by.userId,
      })
      .execute()
    await trx
      .updateTable('conversations')
      .set({
        title: target.title,
        turns,
        turn_count: target.turns.length,
        quality_score: target.quality_score,
        quality_parts: parts,
        model: target.model,
        status: 'pending_review',
        version: sql`version + 1`,
        reviewed_by: null,
        reviewed_at: null,
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .execute()
    await recordStatusChange(trx, {
      conversationId: id,
      userId: by.userId,
      action: 'rolled_back',
      from: before.status,
      to: 'pending_review',
      comment: `Rolled back to version ${version}; it needs review again.`,
    })
  })
}

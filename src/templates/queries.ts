import { type Kysely, type Selectable, sql, type Transaction } from 'kysely'
import { withBackup } from '../backups/write'
import { cursorAt, newestFirstPage } from '../db/newest-first'
import type { DB, EdgeCasesTable, ScenariosTable, TemplateSnapshot, TemplatesTable } from '../db/schema'
import { Conflict } from '../errors'

export type Template = Selectable<TemplatesTable>
export type Scenario = Selectable<ScenariosTable>
export type EdgeCase = Selectable<EdgeCasesTable>
export type TemplateVersion = {
  id: string
  template_id: string
  version: number
  snapshot: TemplateSnapshot
  created_at: Date
  created_by_email: string | null
}
export type ScenarioValues = Record<string, string | number | boolean>

/** The template row's columns for a snapshot; jsonb arrays are sent as JSON text (pg would send a Postgres array). */
function columns(snapshot: TemplateSnapshot) {
  return { ...snapshot, parameters: JSON.stringify(snapshot.parameters) }
}

export function snapshotOf(template: Template): TemplateSnapshot {
  return {
    name: template.name,
    description: template.description,
    category: template.category,
    target_tier: template.target_tier,
    system_prompt: template.system_prompt,
    prompt: template.prompt,
    parameters: template.parameters,
    min_turns: template.min_turns,
    max_turns: template.max_turns,
    quality_threshold: Number(template.quality_threshold),
    notes: template.notes,
  }
}

async function insertVersion(trx: Transaction<DB>, templateId: string, version: number, snapshot: TemplateSnapshot, userId: string | null) {
  await trx
    .insertInto('template_versions')
    .values({ template_id: templateId, version, snapshot: JSON.stringify(snapshot), created_by: userId })
    .execute()
}

/** A new template and its version 1, together. */
export async function insertTemplate(db: Kysely<DB>, snapshot: TemplateSnapshot, userId: string | null): Promise<Template> {
  return db.transaction().execute(async (trx) => {
    const template = await trx
      .insertInto('templates')
      .values({ ...columns(snapshot), version: 1, created_by: userId })
      .returningAll()
      .executeTakeFirstOrThrow()
    await insertVersion(trx, template.id, 1, snapshot, userId)
    return template
  })
}

/**
 * Saves new fields: bumps the version and records the snapshot in the same transaction. With
 * `baseVersion` (the version the editor started from) a concurrent save is refused, not overwritten.
 */
export async function updateTemplate(
  db: Kysely<DB>,
  id: string,
  snapshot: TemplateSnapshot,
  userId: string | null,
  baseVersion?: number,
): Promise<Template | undefined> {
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('templates').select('version').where('id', '=', id).forUpdate().executeTakeFirst()
    if (!current) return undefined
    if (baseVersion !== undefined && baseVersion !== current.version) {
      throw new Conflict(
        `This template was saved by someone else since you opened it (now version ${current.version}). Reload it and apply your changes again.`,
      )
    }
    const template = await trx
      .updateTable('templates')
      .set({ ...columns(snapshot), version: current.version + 1, updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
    await insertVersion(trx, id, template.version, snapshot, userId)
    return template
  })
}

export async function findTemplate(db: Kysely<DB>, id: string): Promise<Template | undefined> {
  return db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst()
}

export type TemplateListItem = Pick<Template, 'id' | 'name' | 'description' | 'category' | 'target_tier' | 'version' | 'archived_at' | 'updated_at'> & {
  scenario_count: number
}
export type TemplatePage = { items: TemplateListItem[]; next_cursor: string | null }
export type TemplateListQuery = { q?: string; archived?: boolean; cursor?: string; limit: number }

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`

/** Newest change first, keyset paged on (updated_at, id); archived templates only when asked for. */
export async function listTemplates(db: Kysely<DB>, query: TemplateListQuery): Promise<TemplatePage> {
  let select = db
    .selectFrom('templates as t')
    .select(['t.id', 't.name', 't.description', 't.category', 't.target_tier', 't.version', 't.archived_at', 't.updated_at'])
    .select(cursorAt('t.updated_at'))
    .select((eb) => eb.selectFrom('scenarios as s').whereRef('s.template_id', '=', 't.id').select(sql<number>`count(*)::int`.as('n')).as('scenario_count'))
    .where('t.archived_at', query.archived ? 'is not' : 'is', null)
  if (query.q) {
    const pattern = likePattern(query.q)
    select = select.where((eb) => eb.or([eb('t.name', 'ilike', pattern), eb('t.description', 'ilike', pattern), eb('t.category', 'ilike', pattern)]))
  }
  return newestFirstPage(select, { at: 't.updated_at', id: 't.id' }, query, ({ scenario_count, ...item }) => ({
    ...item,
    scenario_count: scenario_count ?? 0,
  }))
}

export async function listTemplateVersions(db: Kysely<DB>, templateId: string): Promise<TemplateVersion[]> {
  return db
    .selectFrom('template_versions as v')
    .leftJoin('users as u', 'u.id', 'v.created_by')
    .select(['v.id', 'v.template_id', 'v.version', 'v.snapshot', 'v.created_at', 'u.email as created_by_email'])
    .where('v.template_id', '=', templateId)
    .orderBy('v.version', 'desc')
    .execute()
}

export async function findTemplateVersionByNumber(db: Kysely<DB>, templateId: string, version: number): Promise<TemplateVersion | undefined> {
  return db
    .selectFrom('template_versions as v')
    .leftJoin('users as u', 'u.id', 'v.created_by')
    .select(['v.id', 'v.template_id', 'v.version', 'v.snapshot', 'v.created_at', 'u.email as created_by_email'])
    .where('v.template_id', '=', templateId)
    .where('v.version', '=', version)
    .executeTakeFirst()
}

/** One saved version by its id: what a batch or conversation was made from. */
export async function findTemplateVersion(db: Kysely<DB>, templateVersionId: string): Promise<TemplateVersion | undefined> {
  return db
    .selectFrom('template_versions as v')
    .leftJoin('users as u', 'u.id', 'v.created_by')
    .select(['v.id', 'v.template_id', 'v.version', 'v.snapshot', 'v.created_at', 'u.email as created_by_email'])
    .where('v.id', '=', templateVersionId)
    .executeTakeFirst()
}

/** The id of a template's newest version (the one a new batch should record). */
export async function findLatestTemplateVersion(db: Kysely<DB>, templateId: string): Promise<TemplateVersion | undefined> {
  return db
    .selectFrom('template_versions as v')
    .innerJoin('templates as t', (join) => join.onRef('t.id', '=', 'v.template_id').onRef('t.version', '=', 'v.version'))
    .leftJoin('users as u', 'u.id', 'v.created_by')
    .select(['v.id', 'v.template_id', 'v.version', 'v.snapshot', 'v.created_at', 'u.email as created_by_email'])
    .where('v.template_id', '=', templateId)
    .executeTakeFirst()
}

/** Restoring makes a new version equal to the old one's snapshot; history is never rewritten. */
export async function restoreTemplateVersion(db: Kysely<DB>, templateId: string, version: number, userId: string | null): Promise<Template | undefined> {
  const old = await findTemplateVersionByNumber(db, templateId, version)
  return old && updateTemplate(db, templateId, old.snapshot, userId)
}

export async function duplicateTemplate(db: Kysely<DB>, id: string, userId: string | null): Promise<Template | undefined> {
  const template = await findTemplate(db, id)
  if (!template) return undefined
  const snapshot = snapshotOf(template)
  return insertTemplate(db, { ...snapshot, name: `${snapshot.name} (copy)`.slice(0, 200) }, userId)
}

export async function setTemplateArchived(db: Kysely<DB>, id: string, archived: boolean): Promise<Template | undefined> {
  return db
    .updateTable('templates')
    .set({ archived_at: archived ? sql<Date>`now()` : null, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

/**
 * Deletes a template nothing was generated from (one in use must be archived instead), with its
 * versions, scenarios and edge cases, saved first as a backup the Backups page can restore.
 */
export async function deleteUnusedTemplate(db: Kysely<DB>, id: string, by: { userId: string; backupDir: string }): Promise<boolean> {
  const template = await db.selectFrom('templates').select('name').where('id', '=', id).executeTakeFirst()
  if (!template) return false
  const items = db.selectFrom('templates').select('id').where('id', '=', id).forUpdate()
  const description = `Template "${template.name}" deleted with its scenarios and edge cases`
  return withBackup(db, by.backupDir, { reason: 'template_delete', description, userId: by.userId, items }, async (trx, backup) => {
    if (backup.count === 0) return false
    const used = await trx
      .selectNoFrom((eb) => [
        eb.exists(eb.selectFrom('conversations').select('id').where('template_id', '=', id)).as('conversations'),
        eb.exists(eb.selectFrom('batches').select('id').where('template_id', '=', id)).as('batches'),
      ])
      .executeTakeFirstOrThrow()
    if (used.conversations || used.batches) {
      throw new Conflict('This template has conversations or batches made from it, so it cannot be deleted. Archive it instead.')
    }
    await trx.deleteFrom('templates').where('id', '=', id).execute()
    return true
  })
}

// Scenarios

export type ScenarioFields = {
  name: string
  persona: string
  emotion: string
  topic: string
  context: string
  intent: string
  tone: string
  values: ScenarioValues
}

export async function insertScenario(db: Kysely<DB>, templateId: string, fields: ScenarioFields): Promise<Scenario> {
  return db
    .insertInto('scenarios')
    .values({ ...fields, template_id: templateId, values: JSON.stringify(fields.values) })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function updateScenario(db: Kysely<DB>, id: string, fields: ScenarioFields): Promise<Scenario | undefined> {
  return db
    .updateTable('scenarios')
    .set({ ...fields, values: JSON.stringify(fields.values), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

export async function deleteScenario(db: Kysely<DB>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('scenarios').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

export async function findScenario(db: Kysely<DB>, id: string): Promise<Scenario | undefined> {
  return db.selectFrom('scenarios').selectAll().where('id', '=', id).executeTakeFirst()
}

/** A scenario and the template it belongs to (its current fields), for generation and pages. */
export async function findScenarioWithTemplate(db: Kysely<DB>, scenarioId: string): Promise<{ scenario: Scenario; template: Template } | undefined> {
  const scenario = await findScenario(db, scenarioId)
  const template = scenario && (await findTemplate(db, scenario.template_id))
  return scenario && template ? { scenario, template } : undefined
}

export type ScenarioListItem = Scenario & { edge_case_count: number }

/** A template's scenarios by name; keyset on (name, id) after a given scenario. */
export async function listScenarios(db: Kysely<DB>, templateId: string, limit = 200, after?: { name: string; id: string }): Promise<ScenarioListItem[]> {
  let select = db
    .selectFrom('scenarios as s')
    .selectAll('s')
    .select((eb) => eb.selectFrom('edge_cases as e').whereRef('e.scenario_id', '=', 's.id').select(sql<number>`count(*)::int`.as('n')).as('edge_case_count'))
    .where('s.template_id', '=', templateId)
  if (after) select = select.where(sql<boolean>`(s.name, s.id) > (${after.name}, ${after.id}::uuid)`)
  const rows = await select.orderBy('s.name').orderBy('s.id').limit(limit).execute()
  return rows.map((row) => ({ ...row, edge_case_count: row.edge_case_count ?? 0 }))
}

// Edge cases

export type EdgeCaseFields = { name: string; type: string; description: string; complexity: number }

export async function insertEdgeCase(db: Kysely<DB>, scenarioId: string, fields: EdgeCaseFields): Promise<EdgeCase> {
  return db
    .insertInto('edge_cases')
    .values({ ...fields, scenario_id: scenarioId })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function updateEdgeCase(db: Kysely<DB>, id: string, fields: EdgeCaseFields): Promise<EdgeCase | undefined> {
  return db
    .updateTable('edge_cases')
    .set({ ...fields, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

export async function deleteEdgeCase(db: Kysely<DB>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('edge_cases').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

export async function findEdgeCase(db: Kysely<DB>, id: string): Promise<EdgeCase | undefined> {
  return db.selectFrom('edge_cases').selectAll().where('id', '=', id).executeTakeFirst()
}

/** An edge case with its scenario and template, for generation (tier T3) and pages. */
export async function findEdgeCaseWithScenario(
  db: Kysely<DB>,
  edgeCaseId: string,
): Promise<{ edgeCase: EdgeCase; scenario: Scenario; template: Template } | undefined> {
  const edgeCase = await findEdgeCase(db, edgeCaseId)
  const found = edgeCase && (await findScenarioWithTemplate(db, edgeCase.scenario_id))
  return edgeCase && found ? { edgeCase, ...found } : undefined
}

export async function listEdgeCases(db: Kysely<DB>, scenarioId: string, limit = 500): Promise<EdgeCase[]> {
  return db.selectFrom('edge_cases').selectAll().where('scenario_id', '=', scenarioId).orderBy('name').orderBy('id').limit(limit).execute()
}

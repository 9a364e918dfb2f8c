import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { activeAiSettings } from '../generation/ai-settings'
import { Conflict, NotFound, ValidationFailed } from '../errors'
import type { AppEnv } from '../http/env'
import { isConfirmed } from '../http/confirm'
import { pageContext } from '../http/page-context'
import { fieldErrors, isHtmx, readBody } from '../http/respond'
import { EdgeCasePage, NewScenarioPage, ScenarioPage } from '../../views/templates/ScenarioPages'
import { DraftStatus, TemplateFormPage } from '../../views/templates/TemplateFormPage'
import { DeleteTemplatePage, TemplatePage } from '../../views/templates/TemplatePage'
import { TemplateRows, TemplatesPage } from '../../views/templates/TemplatesPage'
import { PreviewPage, PreviewResult } from '../../views/templates/PreviewPage'
import { VersionDiffPage } from '../../views/templates/VersionDiffPage'
import { uuidParam } from '../http/params'
import { canEdit, viewToReadEditToChange } from './access'
import { diffFields } from './diff'
import {
  draftFieldsFromBody,
  emptyFormValues,
  formValuesFromBody,
  formValuesFromSnapshot,
  padRows,
  parseTemplateForm,
  sameForm,
  trailingBlankRows,
  type TemplateFormValues,
} from './form'
import { estimateCall } from './preview'
import { findPreviewSource, previewPrompts } from './sent-prompts'
import {
  deleteEdgeCase,
  deleteScenario,
  deleteTemplateDraft,
  deleteUnusedTemplate,
  duplicateTemplate,
  findEdgeCase,
  findScenario,
  findTemplate,
  findTemplateDraft,
  findTemplateVersionByNumber,
  insertEdgeCase,
  insertScenario,
  insertTemplate,
  listEdgeCases,
  listScenarios,
  listTemplates,
  listTemplateVersions,
  restoreTemplateVersion,
  saveTemplateDraft,
  setTemplateArchived,
  snapshotOf,
  updateEdgeCase,
  updateScenario,
  updateTemplate,
  type Template,
} from './queries'
import { EdgeCaseInput, edgeCaseFormValues, parseScenario, scenarioFormFromFields, scenarioFormValues, scenarioInputFromForm } from './scenarios'
import { typedFromText } from './validate'

/** Result messages are chosen by code, so a crafted link cannot put words on our page. */
const NOTICES = {
  created: 'Template created (version 1).',
  saved: 'Saved as a new version.',
  duplicated: 'This is the copy.',
  archived: 'Archived: it no longer shows in the list of active templates.',
  unarchived: 'Back among the active templates.',
  restored: 'The old version was restored as a new version.',
  deleted: 'Template deleted.',
  scenario_created: 'Scenario created.',
  scenario_saved: 'Scenario saved.',
  scenario_deleted: 'Scenario deleted.',
  edge_case_created: 'Edge case added.',
  edge_case_deleted: 'Edge case deleted.',
} as const
const notice = (c: Context<AppEnv>) => {
  const done = c.req.query('done')
  return done && done in NOTICES ? NOTICES[done as keyof typeof NOTICES] : undefined
}

const ListQuery = z.object({
  q: z.string().trim().max(200).optional().catch(undefined),
  archived: z.enum(['1']).optional().catch(undefined),
  cursor: z.string().max(200).optional().catch(undefined),
})

async function loadTemplate(c: Context<AppEnv>): Promise<Template> {
  const template = await findTemplate(c.var.db, uuidParam(c, 'id', 'template'))
  if (!template) throw new NotFound('No such template.')
  return template
}

async function loadScenario(c: Context<AppEnv>, template: Template) {
  const scenario = await findScenario(c.var.db, uuidParam(c, 'sid', 'scenario'))
  if (!scenario || scenario.template_id !== template.id) throw new NotFound('No such scenario in this template.')
  return scenario
}

const BaseVersion = z.coerce.number().int().positive().optional().catch(undefined)

export const templateRoutes = new Hono<AppEnv>()
templateRoutes.use('*', viewToReadEditToChange)

templateRoutes.get('/', async (c) => {
  const query = ListQuery.parse(c.req.query())
  const filter = { q: query.q ?? '', archived: query.archived === '1' }
  const page = await listTemplates(c.var.db, { q: query.q, archived: filter.archived, cursor: query.cursor, limit: 50 })
  c.header('Vary', 'HX-Request')
  if (isHtmx(c)) return c.html(<TemplateRows page={page} filter={filter} />)
  return c.html(<TemplatesPage ctx={pageContext(c)} page={page} filter={filter} canEdit={canEdit(c)} notice={notice(c)} />)
})

// Drafts: the form posts itself here as you type; the page offers a draft back when one is kept.

const DraftKey = z.union([z.literal('new'), z.uuid()])

templateRoutes.post('/drafts', async (c) => {
  const body = await readBody(c)
  const key = DraftKey.safeParse(body.draft_key)
  if (!key.success) throw new ValidationFailed('Which form is this a draft of?', { draft_key: "Must be 'new' or a template id" })
  const fields = draftFieldsFromBody(body)
  // A last keystroke's draft landing after the real save repeats what is saved: it is no draft.
  const saved = key.data === 'new' ? undefined : await findTemplate(c.var.db, key.data)
  if (saved && sameForm(formValuesFromBody(fields), formValuesFromSnapshot(snapshotOf(saved)))) {
    await deleteTemplateDraft(c.var.db, c.var.user!.id, key.data)
  } else {
    await saveTemplateDraft(c.var.db, c.var.user!.id, key.data, fields)
  }
  return c.html(<DraftStatus savedAt={new Date()} />)
})

templateRoutes.post('/drafts/discard', async (c) => {
  const key = DraftKey.safeParse((await readBody(c)).draft_key)
  if (!key.success) throw new ValidationFailed('Which form is this a draft of?', { draft_key: "Must be 'new' or a template id" })
  await deleteTemplateDraft(c.var.db, c.var.user!.id, key.data)
  return c.redirect(key.data === 'new' ? '/templates/new' : `/templates/${key.data}/edit`, 303)
})

/** The form, with a kept draft either restored (?draft=restore) or offered. */
async function formWithDraft(c: Context<AppEnv>, key: string, saved: TemplateFormValues, baseVersion: number | undefined, restoreHref: string) {
  let draft = await findTemplateDraft(c.var.db, c.var.user!.id, key)
  // A draft that says what is saved already (e.g. a last keystroke's save landing after the real save)
  // is no draft. It is not offered, and left for the next save to replace: a GET changes nothing.
  if (draft && sameForm(formValuesFromBody(draft.fields), saved)) draft = undefined
  if (draft && c.req.query('draft') === 'restore') {
    return { values: formValuesFromBody(draft.fields), baseVersion: BaseVersion.parse(draft.fields.base_version) ?? baseVersion, draft: undefined }
  }
  return { values: saved, baseVersion, draft: draft ? { savedAt: draft.updated_at, restoreHref } : undefined }
}

templateRoutes.get('/new', async (c) => {
  const form = await formWithDraft(c, 'new', emptyFormValues(), undefined, '/templates/new?draft=restore')
  return c.html(<TemplateFormPage ctx={pageContext(c)} values={padRows(form.values)} draft={form.draft} />)
})

templateRoutes.post('/', async (c) => {
  const body = await readBody(c)
  const values = formValuesFromBody(body)
  if (body.add_row) return c.html(<TemplateFormPage ctx={pageContext(c)} values={padRows(values, trailingBlankRows(values) + 1)} />)
  const result = parseTemplateForm(values)
  if (!result.snapshot) return c.html(<TemplateFormPage ctx={pageContext(c)} values={padRows(values)} fields={result.fields} />, 400)
  const template = await insertTemplate(c.var.db, result.snapshot, c.var.user!.id)
  await deleteTemplateDraft(c.var.db, c.var.user!.id, 'new')
  c.var.log.info({ actor: c.var.user!.id, templateId: template.id }, 'template created')
  return c.redirect(`/templates/${template.id}?done=created`, 303)
})

templateRoutes.get('/:id', async (c) => {
  const template = await loadTemplate(c)
  const [versions, scenarios] = await Promise.all([listTemplateVersions(c.var.db, template.id), listScenarios(c.var.db, template.id)])
  return c.html(<TemplatePage ctx={pageContext(c)} template={template} versions={versions} scenarios={scenarios} canEdit={canEdit(c)} notice={notice(c)} />)
})

templateRoutes.get('/:id/edit', async (c) => {
  const template = await loadTemplate(c)
  const saved = formValuesFromSnapshot(snapshotOf(template))
  const form = await formWithDraft(c, template.id, saved, template.version, `/templates/${template.id}/edit?draft=restore`)
  return c.html(<TemplateFormPage ctx={pageContext(c)} template={template} values={padRows(form.values)} baseVersion={form.baseVersion} draft={form.draft} />)
})

templateRoutes.post('/:id', async (c) => {
  const template = await loadTemplate(c)
  const body = await readBody(c)
  const values = formValuesFromBody(body)
  const baseVersion = BaseVersion.parse(body.base_version)
  const page = (props: { fields?: Record<string, string>; error?: string; rows?: number }) => (
    <TemplateFormPage ctx={pageContext(c)} template={template} values={padRows(values, props.rows)} baseVersion={baseVersion} fields={props.fields} error={props.error} />
  )
  if (body.add_row) return c.html(page({ rows: trailingBlankRows(values) + 1 }))
  const result = parseTemplateForm(values)
  if (!result.snapshot) return c.html(page({ fields: result.fields }), 400)
  try {
    await updateTemplate(c.var.db, template.id, result.snapshot, c.var.user!.id, baseVersion)
  } catch (err) {
    if (err instanceof Conflict) return c.html(page({ error: err.message }), 409)
    throw err
  }
  await deleteTemplateDraft(c.var.db, c.var.user!.id, template.id)
  c.var.log.info({ actor: c.var.user!.id, templateId: template.id }, 'template saved')
  return c.redirect(`/templates/${template.id}?done=saved`, 303)
})

templateRoutes.post('/:id/duplicate', async (c) => {
  const copy = await duplicateTemplate(c.var.db, (await loadTemplate(c)).id, c.var.user!.id)
  if (!copy) throw new NotFound('No such template.')
  return c.redirect(`/templates/${copy.id}?done=duplicated`, 303)
})

templateRoutes.post('/:id/archive', async (c) => {
  const template = await loadTemplate(c)
  await setTemplateArchived(c.var.db, template.id, true)
  return c.redirect(`/templates/${template.id}?done=archived`, 303)
})

templateRoutes.post('/:id/unarchive', async (c) => {
  const template = await loadTemplate(c)
  await setTemplateArchived(c.var.db, template.id, false)
  return c.redirect(`/templates/${template.id}?done=unarchived`, 303)
})

templateRoutes.post('/:id/delete', async (c) => {
  const template = await loadTemplate(c)
  if (!(await isConfirmed(c))) return c.html(<DeleteTemplatePage ctx={pageContext(c)} template={template} />)
  try {
    await deleteUnusedTemplate(c.var.db, template.id)
  } catch (err) {
    if (!(err instanceof Conflict)) throw err
    const [versions, scenarios] = await Promise.all([listTemplateVersions(c.var.db, template.id), listScenarios(c.var.db, template.id)])
    return c.html(<TemplatePage ctx={pageContext(c)} template={template} versions={versions} scenarios={scenarios} canEdit error={err.message} />, 409)
  }
  c.var.log.info({ actor: c.var.user!.id, templateId: template.id }, 'template deleted')
  return c.redirect('/templates?done=deleted', 303)
})

const VersionNumber = z.coerce.number().int().positive()
/** The order fields are shown in, as on the form. */
const SNAPSHOT_FIELDS = ['name', 'description', 'category', 'target_tier', 'system_prompt', 'prompt', 'parameters', 'min_turns', 'max_turns', 'quality_threshold', 'notes'] as const

templateRoutes.post('/:id/versions/:version/restore', async (c) => {
  const template = await loadTemplate(c)
  const version = VersionNumber.safeParse(c.req.param('version'))
  const restored = version.success && (await restoreTemplateVersion(c.var.db, template.id, version.data, c.var.user!.id))
  if (!restored) throw new NotFound('No such version of this template.')
  return c.redirect(`/templates/${template.id}?done=restored`, 303)
})

templateRoutes.get('/:id/diff', async (c) => {
  const template = await loadTemplate(c)
  const versions = z.object({ from: VersionNumber, to: VersionNumber }).safeParse(c.req.query())
  if (!versions.success) throw new ValidationFailed('Choose two versions to compare.', fieldErrors(versions.error))
  const [from, to] = await Promise.all([
    findTemplateVersionByNumber(c.var.db, template.id, versions.data.from),
    findTemplateVersionByNumber(c.var.db, template.id, versions.data.to),
  ])
  if (!from || !to) throw new NotFound('No such version of this template.')
  return c.html(<VersionDiffPage ctx={pageContext(c)} template={template} from={from.version} to={to.version} diffs={diffFields(from.snapshot, to.snapshot, SNAPSHOT_FIELDS)} />)
})

// Preview: the prompts exactly as they would be sent, from sample values, and what a call costs.

/** Blank or malformed ids mean "none" on the page's selects. */
const PreviewIds = z.object({ scenario_id: z.uuid().optional().catch(undefined), edge_case_id: z.uuid().optional().catch(undefined) })

async function preview(c: Context<AppEnv>, body: Record<string, unknown>) {
  const template = await loadTemplate(c)
  const snapshot = snapshotOf(template)
  const samples: Record<string, string> = {}
  const given: Record<string, unknown> = {}
  const types = new Map(snapshot.parameters.map((param) => [param.name, param.type]))
  for (const [key, value] of Object.entries(body)) {
    const match = /^values\[(.+)\]$/.exec(key)
    if (!match || typeof value !== 'string') continue
    samples[match[1]!] = value
    given[match[1]!] = typedFromText(types.get(match[1]!), value)
  }
  const ids = PreviewIds.parse(body)
  const source = await findPreviewSource(c.var.db, template, ids)
  const resolved = await previewPrompts(c.var.db, template, given, source)
  const settings = await activeAiSettings(c.var.db)
  const estimate = estimateCall(snapshot, resolved, settings)
  if (isHtmx(c)) return c.html(<PreviewResult resolved={resolved} estimate={estimate} model={settings.model} />)
  const scenarios = await listScenarios(c.var.db, template.id)
  return c.html(
    <PreviewPage ctx={pageContext(c)} template={template} scenarios={scenarios} scenarioId={source.scenario?.id} edgeCase={source.edgeCase} samples={samples} resolved={resolved} estimate={estimate} model={settings.model} />,
  )
}

templateRoutes.get('/:id/preview', (c) => preview(c, c.req.query()))
templateRoutes.post('/:id/preview', async (c) => preview(c, await readBody(c)))

// Scenarios and their edge cases, nested under their template.

templateRoutes.get('/:id/scenarios/new', async (c) => {
  const template = await loadTemplate(c)
  return c.html(<NewScenarioPage ctx={pageContext(c)} template={template} values={scenarioFormValues({})} />)
})

templateRoutes.post('/:id/scenarios', async (c) => {
  const template = await loadTemplate(c)
  const values = scenarioFormValues(await readBody(c))
  try {
    const scenario = await insertScenario(c.var.db, template.id, parseScenario(template.parameters, scenarioInputFromForm(values, template.parameters)))
    return c.redirect(`/templates/${template.id}/scenarios/${scenario.id}?done=scenario_created`, 303)
  } catch (err) {
    if (!(err instanceof ValidationFailed)) throw err
    return c.html(<NewScenarioPage ctx={pageContext(c)} template={template} values={values} fields={err.fields} />, 400)
  }
})

async function scenarioPage(c: Context<AppEnv>, extra: { fields?: Record<string, string>; values?: ReturnType<typeof scenarioFormValues>; edgeCaseFields?: Record<string, string>; edgeCaseValues?: Record<string, unknown> } = {}) {
  const template = await loadTemplate(c)
  const scenario = await loadScenario(c, template)
  const edgeCases = await listEdgeCases(c.var.db, scenario.id)
  return (
    <ScenarioPage
      ctx={pageContext(c)}
      template={template}
      scenario={scenario}
      edgeCases={edgeCases}
      canEdit={canEdit(c)}
      values={extra.values ?? scenarioFormFromFields(scenario)}
      fields={extra.fields}
      edgeCaseValues={extra.edgeCaseValues && edgeCaseFormValues(extra.edgeCaseValues)}
      edgeCaseFields={extra.edgeCaseFields}
      notice={notice(c)}
    />
  )
}

templateRoutes.get('/:id/scenarios/:sid', async (c) => c.html(await scenarioPage(c)))

templateRoutes.post('/:id/scenarios/:sid', async (c) => {
  const template = await loadTemplate(c)
  const scenario = await loadScenario(c, template)
  const values = scenarioFormValues(await readBody(c))
  try {
    await updateScenario(c.var.db, scenario.id, parseScenario(template.parameters, scenarioInputFromForm(values, template.parameters)))
  } catch (err) {
    if (!(err instanceof ValidationFailed)) throw err
    return c.html(await scenarioPage(c, { values, fields: err.fields }), 400)
  }
  return c.redirect(`/templates/${template.id}/scenarios/${scenario.id}?done=scenario_saved`, 303)
})

templateRoutes.post('/:id/scenarios/:sid/delete', async (c) => {
  const template = await loadTemplate(c)
  await deleteScenario(c.var.db, (await loadScenario(c, template)).id)
  return c.redirect(`/templates/${template.id}?done=scenario_deleted`, 303)
})

templateRoutes.post('/:id/scenarios/:sid/edge-cases', async (c) => {
  const template = await loadTemplate(c)
  const scenario = await loadScenario(c, template)
  const body = await readBody(c)
  const parsed = EdgeCaseInput.safeParse(body)
  if (!parsed.success) return c.html(await scenarioPage(c, { edgeCaseValues: body, edgeCaseFields: fieldErrors(parsed.error) }), 400)
  await insertEdgeCase(c.var.db, scenario.id, parsed.data)
  return c.redirect(`/templates/${template.id}/scenarios/${scenario.id}?done=edge_case_created`, 303)
})

async function loadEdgeCase(c: Context<AppEnv>) {
  const template = await loadTemplate(c)
  const scenario = await loadScenario(c, template)
  const edgeCase = await findEdgeCase(c.var.db, uuidParam(c, 'eid', 'edge case'))
  if (!edgeCase || edgeCase.scenario_id !== scenario.id) throw new NotFound('No such edge case in this scenario.')
  return { template, scenario, edgeCase }
}

templateRoutes.get('/:id/scenarios/:sid/edge-cases/:eid', async (c) => {
  const found = await loadEdgeCase(c)
  return c.html(<EdgeCasePage ctx={pageContext(c)} {...found} canEdit={canEdit(c)} values={edgeCaseFormValues(found.edgeCase)} />)
})

templateRoutes.post('/:id/scenarios/:sid/edge-cases/:eid', async (c) => {
  const found = await loadEdgeCase(c)
  const body = await readBody(c)
  const parsed = EdgeCaseInput.safeParse(body)
  if (!parsed.success) {
    return c.html(<EdgeCasePage ctx={pageContext(c)} {...found} canEdit values={edgeCaseFormValues(body)} fields={fieldErrors(parsed.error)} />, 400)
  }
  await updateEdgeCase(c.var.db, found.edgeCase.id, parsed.data)
  return c.redirect(`/templates/${found.template.id}/scenarios/${found.scenario.id}?done=scenario_saved`, 303)
})

templateRoutes.post('/:id/scenarios/:sid/edge-cases/:eid/delete', async (c) => {
  const found = await loadEdgeCase(c)
  await deleteEdgeCase(c.var.db, found.edgeCase.id)
  return c.redirect(`/templates/${found.template.id}/scenarios/${found.scenario.id}?done=edge_case_deleted`, 303)
})

import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { PreviewPage, PreviewResult } from '../../views/templates/PreviewPage'
import { DraftStatus, TemplateFormPage } from '../../views/templates/TemplateFormPage'
import { DeleteTemplatePage, TemplatePage } from '../../views/templates/TemplatePage'
import { TemplateRows, TemplatesPage } from '../../views/templates/TemplatesPage'
import { VersionDiffPage } from '../../views/templates/VersionDiffPage'
import { signedInUser } from '../auth/middleware'
import { NotFound, ValidationFailed } from '../errors'
import { activeAiSettings } from '../generation/ai-settings'
import { templateTokenHistory } from '../generation/token-history'
import { isConfirmed } from '../http/confirm'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { pageContext, preferencesOf } from '../http/page-context'
import { fieldErrors, isHtmx, parseBody, readBody } from '../http/respond'
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
  TEMPLATE_FIELDS,
  type TemplateFormValues,
  trailingBlankRows,
} from './form'
import { estimateCall, findPreviewSource, previewFromForm, previewPrompts } from './preview'
import {
  deleteTemplateDraft,
  deleteUnusedTemplate,
  duplicateTemplate,
  findTemplate,
  findTemplateDraft,
  findTemplateVersionByNumber,
  insertTemplate,
  listScenarios,
  listTemplates,
  listTemplateVersions,
  restoreTemplateVersion,
  saveTemplateDraft,
  setTemplateArchived,
  snapshotOf,
  updateTemplate,
} from './queries'
import { notice, templateOr404, versionParam } from './request'
import { scenarioPages } from './scenario-routes'

const ListQuery = z.object({
  q: z.string().trim().max(200).optional().catch(undefined),
  archived: z.enum(['1']).optional().catch(undefined),
  cursor: z.string().max(200).optional().catch(undefined),
})

const BaseVersion = z.coerce.number().int().positive().optional().catch(undefined)

/** The template pages; a template's scenarios and edge cases are in scenario-routes.tsx, mounted below. */
export const templateRoutes = new Hono<AppEnv>()
templateRoutes.use('*', viewToReadEditToChange)

templateRoutes.get('/', async (c) => {
  const query = ListQuery.parse(c.req.query())
  const filter = { q: query.q ?? '', archived: query.archived === '1' }
  const page = await listTemplates(c.var.db, { q: query.q, archived: filter.archived, cursor: query.cursor, limit: preferencesOf(c).rows_per_page })
  c.header('Vary', 'HX-Request')
  if (isHtmx(c)) return c.html(<TemplateRows page={page} filter={filter} />)
  return c.html(<TemplatesPage ctx={pageContext(c)} page={page} filter={filter} canEdit={canEdit(c)} notice={notice(c)} />)
})

// Drafts: the form posts itself here as you type; the page offers a draft back when one is kept.

/** Which form a draft is of; the rest of the body is the form as typed. */
const DraftForm = z.looseObject({ draft_key: z.union([z.literal('new'), z.uuid()], "Must be 'new' or a template id") })

templateRoutes.post('/drafts', async (c) => {
  const user = signedInUser(c)
  const { draft_key: key, ...body } = await parseBody(c, DraftForm)
  const fields = draftFieldsFromBody(body)
  // A last keystroke's draft landing after the real save repeats what is saved: it is no draft.
  const saved = key === 'new' ? undefined : await findTemplate(c.var.db, key)
  if (saved && sameForm(formValuesFromBody(fields), formValuesFromSnapshot(snapshotOf(saved)))) {
    await deleteTemplateDraft(c.var.db, user.id, key)
  } else {
    await saveTemplateDraft(c.var.db, user.id, key, fields)
  }
  return c.html(<DraftStatus savedAt={new Date()} />)
})

templateRoutes.post('/drafts/discard', async (c) => {
  const { draft_key: key } = await parseBody(c, DraftForm)
  await deleteTemplateDraft(c.var.db, signedInUser(c).id, key)
  return c.redirect(key === 'new' ? '/templates/new' : `/templates/${key}/edit`, 303)
})

/** The form, with a kept draft either restored (?draft=restore) or offered. */
async function formWithDraft(c: Context<AppEnv>, key: string, saved: TemplateFormValues, baseVersion: number | undefined, restoreHref: string) {
  let draft = await findTemplateDraft(c.var.db, signedInUser(c).id, key)
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
  const user = signedInUser(c)
  const body = await readBody(c)
  const values = formValuesFromBody(body)
  if (body.add_row) return c.html(<TemplateFormPage ctx={pageContext(c)} values={padRows(values, trailingBlankRows(values) + 1)} />)
  rerenderOnError(c, (problem) => (
    <TemplateFormPage ctx={pageContext(c)} values={padRows(values)} fields={problem.fields} error={problem.fields ? undefined : problem.error} />
  ))
  const template = await insertTemplate(c.var.db, parseTemplateForm(values), user.id)
  await deleteTemplateDraft(c.var.db, user.id, 'new')
  c.var.log.info({ actor: user.id, templateId: template.id }, 'template created')
  return c.redirect(`/templates/${template.id}?done=created`, 303)
})

templateRoutes.get('/:id', async (c) => {
  const template = await templateOr404(c)
  const [versions, scenarios] = await Promise.all([listTemplateVersions(c.var.db, template.id), listScenarios(c.var.db, template.id)])
  return c.html(<TemplatePage ctx={pageContext(c)} template={template} versions={versions} scenarios={scenarios} canEdit={canEdit(c)} notice={notice(c)} />)
})

templateRoutes.get('/:id/edit', async (c) => {
  const template = await templateOr404(c)
  const saved = formValuesFromSnapshot(snapshotOf(template))
  const form = await formWithDraft(c, template.id, saved, template.version, `/templates/${template.id}/edit?draft=restore`)
  return c.html(<TemplateFormPage ctx={pageContext(c)} template={template} values={padRows(form.values)} baseVersion={form.baseVersion} draft={form.draft} />)
})

templateRoutes.post('/:id', async (c) => {
  const user = signedInUser(c)
  const template = await templateOr404(c)
  const body = await readBody(c)
  const values = formValuesFromBody(body)
  const baseVersion = BaseVersion.parse(body.base_version)
  const page = (props: { fields?: Record<string, string>; error?: string; rows?: number }) => (
    <TemplateFormPage
      ctx={pageContext(c)}
      template={template}
      values={padRows(values, props.rows)}
      baseVersion={baseVersion}
      fields={props.fields}
      error={props.error}
    />
  )
  if (body.add_row) return c.html(page({ rows: trailingBlankRows(values) + 1 }))
  // Field errors are shown beside their fields; a save since this form was opened (409) says so above it.
  rerenderOnError(c, (problem) => page(problem.fields ? { fields: problem.fields } : { error: problem.error }))
  await updateTemplate(c.var.db, template.id, parseTemplateForm(values), user.id, baseVersion)
  await deleteTemplateDraft(c.var.db, user.id, template.id)
  c.var.log.info({ actor: user.id, templateId: template.id }, 'template saved')
  return c.redirect(`/templates/${template.id}?done=saved`, 303)
})

templateRoutes.post('/:id/duplicate', async (c) => {
  const copy = await duplicateTemplate(c.var.db, (await templateOr404(c)).id, signedInUser(c).id)
  if (!copy) throw new NotFound('No such template.')
  return c.redirect(`/templates/${copy.id}?done=duplicated`, 303)
})

templateRoutes.post('/:id/archive', async (c) => {
  const template = await templateOr404(c)
  await setTemplateArchived(c.var.db, template.id, true)
  return c.redirect(`/templates/${template.id}?done=archived`, 303)
})

templateRoutes.post('/:id/unarchive', async (c) => {
  const template = await templateOr404(c)
  await setTemplateArchived(c.var.db, template.id, false)
  return c.redirect(`/templates/${template.id}?done=unarchived`, 303)
})

templateRoutes.post('/:id/delete', async (c) => {
  const template = await templateOr404(c)
  if (!(await isConfirmed(c))) return c.html(<DeleteTemplatePage ctx={pageContext(c)} template={template} />)
  // A template in use (409) stays, and its page says why.
  rerenderOnError(c, async (problem) => {
    const [versions, scenarios] = await Promise.all([listTemplateVersions(c.var.db, template.id), listScenarios(c.var.db, template.id)])
    return <TemplatePage ctx={pageContext(c)} template={template} versions={versions} scenarios={scenarios} canEdit error={problem.error} />
  })
  await deleteUnusedTemplate(c.var.db, template.id, { userId: signedInUser(c).id, backupDir: c.var.config.backupDir })
  c.var.log.info({ actor: signedInUser(c).id, templateId: template.id }, 'template deleted')
  return c.redirect('/templates?done=deleted', 303)
})

const VersionNumber = z.coerce.number().int().positive()

templateRoutes.post('/:id/versions/:version/restore', async (c) => {
  const template = await templateOr404(c)
  const restored = await restoreTemplateVersion(c.var.db, template.id, versionParam(c), signedInUser(c).id)
  if (!restored) throw new NotFound('No such version of this template.')
  return c.redirect(`/templates/${template.id}?done=restored`, 303)
})

templateRoutes.get('/:id/diff', async (c) => {
  const template = await templateOr404(c)
  const versions = z.object({ from: VersionNumber, to: VersionNumber }).safeParse(c.req.query())
  if (!versions.success) throw new ValidationFailed('Choose two versions to compare.', fieldErrors(versions.error))
  const [from, to] = await Promise.all([
    findTemplateVersionByNumber(c.var.db, template.id, versions.data.from),
    findTemplateVersionByNumber(c.var.db, template.id, versions.data.to),
  ])
  if (!from || !to) throw new NotFound('No such version of this template.')
  return c.html(
    <VersionDiffPage
      ctx={pageContext(c)}
      template={template}
      from={from.version}
      to={to.version}
      diffs={diffFields(from.snapshot, to.snapshot, TEMPLATE_FIELDS)}
    />,
  )
})

// Preview: the prompts exactly as they would be sent, from sample values, and what a call costs.

async function preview(c: Context<AppEnv>, body: Record<string, unknown>) {
  const template = await templateOr404(c)
  const snapshot = snapshotOf(template)
  const form = previewFromForm(body, snapshot.parameters)
  const source = await findPreviewSource(c.var.db, template, form)
  const resolved = await previewPrompts(c.var.db, template, form.values, source)
  const [settings, history] = await Promise.all([activeAiSettings(c.var.db), templateTokenHistory(c.var.db, template.id)])
  const estimate = estimateCall(snapshot, resolved, settings, history)
  if (isHtmx(c)) return c.html(<PreviewResult resolved={resolved} estimate={estimate} model={settings.model} />)
  const scenarios = await listScenarios(c.var.db, template.id)
  return c.html(
    <PreviewPage
      ctx={pageContext(c)}
      template={template}
      scenarios={scenarios}
      scenarioId={source.scenario?.id}
      edgeCase={source.edgeCase}
      samples={form.samples}
      resolved={resolved}
      estimate={estimate}
      model={settings.model}
    />,
  )
}

templateRoutes.get('/:id/preview', (c) => preview(c, c.req.query()))
templateRoutes.post('/:id/preview', async (c) => preview(c, await readBody(c)))

templateRoutes.route('/:id/scenarios', scenarioPages)

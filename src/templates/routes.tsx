import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { PreviewPage, PreviewResult } from '../../views/templates/PreviewPage'
import { TemplateFormPage } from '../../views/templates/TemplateFormPage'
import { DeleteTemplatePage, TemplatePage } from '../../views/templates/TemplatePage'
import { TemplateRows, TemplatesPage } from '../../views/templates/TemplatesPage'
import { VersionDiffPage } from '../../views/templates/VersionDiffPage'
import { signedInUser } from '../auth/middleware'
import { deleteDraft, formDraft } from '../drafts/drafts'
import { NotFound, ValidationFailed } from '../errors'
import { activeAiSettings } from '../generation/ai-settings'
import { templateTokenHistory } from '../generation/token-history'
import { isConfirmed } from '../http/confirm'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { pageContext, preferencesOf } from '../http/page-context'
import { fieldErrors, isHtmx, readBody } from '../http/respond'
import { canEdit, viewToReadEditToChange } from './access'
import { diffFields } from './diff'
import {
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
  deleteUnusedTemplate,
  duplicateTemplate,
  findTemplateVersionByNumber,
  insertTemplate,
  listScenarios,
  listTemplates,
  listTemplateVersions,
  restoreTemplateVersion,
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

/** The template form, with the user's kept draft restored (?draft=restore) or offered; a draft that says what is saved already is no draft. */
async function formWithDraft(c: Context<AppEnv>, key: string, saved: TemplateFormValues, template?: { id: string; version: number }) {
  const draft = await formDraft(c, key, {
    page: template ? `/templates/${template.id}/edit` : '/templates/new',
    current: template && { version: template.version, thing: 'template' },
    isSaved: (fields) => sameForm(formValuesFromBody(fields), saved),
  })
  if (draft.restored) return { values: formValuesFromBody(draft.restored), baseVersion: draft.baseVersion ?? template?.version, offer: undefined }
  return { values: saved, baseVersion: template?.version, offer: draft.offer }
}

templateRoutes.get('/new', async (c) => {
  const form = await formWithDraft(c, 'template:new', emptyFormValues())
  return c.html(<TemplateFormPage ctx={pageContext(c)} values={padRows(form.values)} draft={form.offer} />)
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
  await deleteDraft(c.var.db, user.id, 'template:new')
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
  const form = await formWithDraft(c, `template:${template.id}`, saved, template)
  return c.html(<TemplateFormPage ctx={pageContext(c)} template={template} values={padRows(form.values)} baseVersion={form.baseVersion} draft={form.offer} />)
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
  await deleteDraft(c.var.db, user.id, `template:${template.id}`)
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

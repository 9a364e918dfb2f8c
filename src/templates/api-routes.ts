import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { signedInUser } from '../auth/middleware'
import { NotFound } from '../errors'
import { activeAiSettings } from '../generation/ai-settings'
import { templateTokenHistory } from '../generation/token-history'
import type { AppEnv } from '../http/env'
import { uuidParam } from '../http/params'
import { parseBody, parseInput, readBody } from '../http/respond'
import { viewToReadEditToChange } from './access'
import { formValuesFromBody, parseTemplateForm } from './form'
import { estimateCall, findPreviewSource, previewPrompts } from './preview'
import {
  deleteUnusedTemplate,
  duplicateTemplate,
  findTemplateVersionByNumber,
  insertTemplate,
  listTemplates,
  listTemplateVersions,
  restoreTemplateVersion,
  setTemplateArchived,
  snapshotOf,
  type Template,
  updateTemplate,
} from './queries'
import { templateOr404, versionParam } from './request'
import { scenariosApi } from './scenario-api-routes'
import { TemplateInput } from './validate'

/** The JSON API of templates (DESIGN.md §8), mounted at /api; scenarios and edge cases are in scenario-api-routes.ts, mounted below. */
export const templatesApi = new Hono<AppEnv>()
templatesApi.use('/templates', viewToReadEditToChange)
templatesApi.use('/templates/*', viewToReadEditToChange)

export function templateJson(template: Template) {
  return {
    id: template.id,
    ...snapshotOf(template),
    version: template.version,
    archived_at: template.archived_at,
    created_at: template.created_at,
    updated_at: template.updated_at,
  }
}

const ListQuery = z.object({
  q: z.string().trim().max(200).optional(),
  archived: z.enum(['true', 'false', '1', '0']).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

templatesApi.get('/templates', async (c) => {
  const parsed = parseInput(ListQuery, c.req.query())
  const { q, archived, cursor, limit } = parsed
  const page = await listTemplates(c.var.db, { q, archived: archived === 'true' || archived === '1', cursor, limit })
  return c.json(page)
})

/** A template from JSON, or from a portal's form posted with the page form's field names. */
async function templateBody(c: Context<AppEnv>) {
  if ((c.req.header('content-type') ?? '').startsWith('application/json')) return parseBody(c, TemplateInput)
  return parseTemplateForm(formValuesFromBody(await readBody(c)))
}

templatesApi.post('/templates', async (c) => {
  const user = signedInUser(c)
  const template = await insertTemplate(c.var.db, await templateBody(c), user.id)
  c.var.log.info({ actor: user.id, templateId: template.id }, 'template created')
  return c.json(templateJson(template), 201)
})

templatesApi.get('/templates/:id', async (c) => {
  const template = await templateOr404(c)
  const versions = await listTemplateVersions(c.var.db, template.id)
  return c.json({
    ...templateJson(template),
    versions: versions.map((v) => ({ id: v.id, version: v.version, created_at: v.created_at, created_by_email: v.created_by_email })),
  })
})

const BaseVersion = z.object({ base_version: z.coerce.number('Give the version number you started from').int().positive().optional() })

/** The whole template, as for POST; `base_version` (optional) refuses the save with 409 if someone saved since. */
templatesApi.put('/templates/:id', async (c) => {
  const template = await templateOr404(c)
  const snapshot = await templateBody(c)
  const base = await parseBody(c, BaseVersion)
  const saved = await updateTemplate(c.var.db, template.id, snapshot, signedInUser(c).id, base.base_version)
  if (!saved) throw new NotFound('No such template.')
  return c.json(templateJson(saved))
})

templatesApi.delete('/templates/:id', async (c) => {
  if (!(await deleteUnusedTemplate(c.var.db, uuidParam(c, 'id', 'template'), { userId: signedInUser(c).id, backupDir: c.var.config.backupDir })))
    throw new NotFound('No such template.')
  return c.body(null, 204)
})

templatesApi.post('/templates/:id/archive', async (c) => {
  const template = await setTemplateArchived(c.var.db, (await templateOr404(c)).id, true)
  return c.json(templateJson(template!))
})

templatesApi.post('/templates/:id/unarchive', async (c) => {
  const template = await setTemplateArchived(c.var.db, (await templateOr404(c)).id, false)
  return c.json(templateJson(template!))
})

templatesApi.post('/templates/:id/duplicate', async (c) => {
  const copy = await duplicateTemplate(c.var.db, (await templateOr404(c)).id, signedInUser(c).id)
  if (!copy) throw new NotFound('No such template.')
  return c.json(templateJson(copy), 201)
})

templatesApi.get('/templates/:id/versions/:version', async (c) => {
  const template = await templateOr404(c)
  const version = await findTemplateVersionByNumber(c.var.db, template.id, versionParam(c))
  if (!version) throw new NotFound('No such version of this template.')
  return c.json({ id: version.id, template_id: template.id, version: version.version, created_at: version.created_at, snapshot: version.snapshot })
})

templatesApi.post('/templates/:id/versions/:version/restore', async (c) => {
  const template = await templateOr404(c)
  const restored = await restoreTemplateVersion(c.var.db, template.id, versionParam(c), signedInUser(c).id)
  if (!restored) throw new NotFound('No such version of this template.')
  return c.json(templateJson(restored))
})

const PreviewInput = z.object({
  values: z.record(z.string(), z.unknown()).default({}),
  scenario_id: z.uuid().optional(),
  edge_case_id: z.uuid().optional(),
})

templatesApi.post('/templates/:id/preview', async (c) => {
  const template = await templateOr404(c)
  const input = await parseBody(c, PreviewInput)
  const source = await findPreviewSource(c.var.db, template, input)
  const snapshot = snapshotOf(template)
  const resolved = await previewPrompts(c.var.db, template, input.values, source)
  const [settings, history] = await Promise.all([activeAiSettings(c.var.db), templateTokenHistory(c.var.db, template.id)])
  return c.json({ ...resolved, model: settings.model, estimate: estimateCall(snapshot, resolved, settings, history) })
})

templatesApi.route('/', scenariosApi)

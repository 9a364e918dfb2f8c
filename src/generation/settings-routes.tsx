import { Hono } from 'hono'
import { requireCapability } from '../auth/middleware'
import { can } from '../auth/roles'
import type { AppEnv } from '../http/env'
import { pageContext } from '../http/page-context'
import { ValidationFailed } from '../errors'
import { fieldErrors, invalid, readBody } from '../http/respond'
import { AiSettingsPage } from '../../views/generation/AiSettingsPage'
import { checkModel } from './models'
import { activeAiSettings, AiSettingsChange, aiSettingsJson, changeAiSettings, listAiSettingsHistory } from './ai-settings'

/** GET/PUT /api/settings/ai (DESIGN.md §8): anyone signed in reads, admins change; each change is a new row. */
export const aiSettingsApi = new Hono<AppEnv>()

aiSettingsApi.get('/', requireCapability('view'), async (c) => c.json(aiSettingsJson(await activeAiSettings(c.var.db))))

aiSettingsApi.put('/', requireCapability('admin'), async (c) => {
  const parsed = AiSettingsChange.strict().safeParse(await readBody(c))
  if (!parsed.success) throw invalid(parsed.error)
  await checkModel(c.var.config, parsed.data.model, (await activeAiSettings(c.var.db)).model)
  const row = await changeAiSettings(c.var.db, c.var.user!.id, parsed.data)
  c.var.log.info({ actor: c.var.user!.id, change: parsed.data }, 'AI settings changed')
  return c.json(aiSettingsJson(row))
})

/** /settings/ai: the form and the history. */
export const aiSettingsPages = new Hono<AppEnv>()

aiSettingsPages.get('/', requireCapability('view'), async (c) => {
  const [current, history] = await Promise.all([activeAiSettings(c.var.db), listAiSettingsHistory(c.var.db)])
  const notice = c.req.query('done') === 'saved' ? 'Settings saved.' : undefined
  return c.html(<AiSettingsPage ctx={pageContext(c)} current={current} history={history} canChange={can(c.var.user!.role, 'admin')} notice={notice} />)
})

aiSettingsPages.post('/', requireCapability('admin'), async (c) => {
  const body = await readBody(c)
  // "Another model id" wins over the list when filled in.
  const { model_other: other, ...rest } = body
  if (typeof other === 'string' && other.trim()) rest.model = other
  const cleaned = Object.fromEntries(Object.entries(rest).filter(([k, v]) => k !== 'api_token' && v !== ''))
  const parsed = AiSettingsChange.safeParse(cleaned)
  const refuse = async (fields: Record<string, string>) => {
    const [current, history] = await Promise.all([activeAiSettings(c.var.db), listAiSettingsHistory(c.var.db)])
    return c.html(<AiSettingsPage ctx={pageContext(c)} current={current} history={history} canChange fields={fields} />, 400)
  }
  if (!parsed.success) return refuse(fieldErrors(parsed.error))
  try {
    await checkModel(c.var.config, parsed.data.model, (await activeAiSettings(c.var.db)).model)
  } catch (err) {
    if (err instanceof ValidationFailed) return refuse(err.fields)
    throw err
  }
  await changeAiSettings(c.var.db, c.var.user!.id, parsed.data)
  c.var.log.info({ actor: c.var.user!.id, change: parsed.data }, 'AI settings changed')
  return c.redirect('/settings/ai?done=saved', 303)
})

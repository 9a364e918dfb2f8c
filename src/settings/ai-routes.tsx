import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { AiSettingsPage } from '../../views/settings/AiSettingsPage'
import { requireCapability, signedInUser } from '../auth/middleware'
import { can } from '../auth/roles'
import { deleteDraft, formDraft } from '../drafts/drafts'
import { AiSettingsChange, activeAiSettings, aiSettingsJson, changeAiSettings, listAiSettingsHistory } from '../generation/ai-settings'
import { checkModel } from '../generation/models'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { doneNotice } from '../http/notice'
import { pageContext } from '../http/page-context'
import { uuidParam } from '../http/params'
import { parseBody } from '../http/respond'
import {
  activateConfiguration,
  ConfigurationInput,
  configurationJson,
  createConfiguration,
  deleteConfiguration,
  findConfiguration,
  listConfigurations,
  updateConfiguration,
} from './ai-configurations'
import { testConfiguration } from './ai-test'

/** GET/PUT /api/settings/ai (DESIGN.md §8): anyone signed in reads, admins change; each change is a new row. */
export const aiSettingsApi = new Hono<AppEnv>()

aiSettingsApi.get('/', requireCapability('view'), async (c) => c.json(aiSettingsJson(await activeAiSettings(c.var.db))))

aiSettingsApi.put('/', requireCapability('admin'), async (c) => {
  const change = await parseBody(c, AiSettingsChange.strict())
  await checkModel(c.var.config, change.model, (await activeAiSettings(c.var.db)).model)
  const user = signedInUser(c)
  const row = await changeAiSettings(c.var.db, user.id, change)
  c.var.log.info({ actor: user.id, change }, 'AI settings changed')
  return c.json(aiSettingsJson(row))
})

/** Named configurations (admins): list, add, change, activate (every worker switches within seconds), delete. */
aiSettingsApi.get('/configurations', requireCapability('view'), async (c) => c.json({ items: (await listConfigurations(c.var.db)).map(configurationJson) }))
aiSettingsApi.post('/configurations', requireCapability('admin'), async (c) => {
  const input = await parseBody(c, ConfigurationInput.strict())
  await checkModel(c.var.config, input.model, (await activeAiSettings(c.var.db)).model)
  return c.json(configurationJson(await createConfiguration(c.var.db, signedInUser(c).id, input)), 201)
})
aiSettingsApi.put('/configurations/:id', requireCapability('admin'), async (c) => {
  const id = uuidParam(c, 'id', 'AI configuration')
  const input = await parseBody(c, ConfigurationInput.partial().strict())
  await checkModel(c.var.config, input.model, (await findConfiguration(c.var.db, id)).settings.model as string)
  return c.json(configurationJson(await updateConfiguration(c.var.db, signedInUser(c).id, id, input)))
})
aiSettingsApi.post('/configurations/:id/activate', requireCapability('admin'), async (c) =>
  c.json(configurationJson(await activateConfiguration(c.var.db, signedInUser(c).id, uuidParam(c, 'id', 'AI configuration')))),
)
aiSettingsApi.delete('/configurations/:id', requireCapability('admin'), async (c) => {
  await deleteConfiguration(c.var.db, signedInUser(c).id, uuidParam(c, 'id', 'AI configuration'))
  return c.body(null, 204)
})

/** POST /api/settings/ai/test (DESIGN §8): one call with the active configuration → {ok, latency_ms, input_tokens, output_tokens, cost_usd}. */
aiSettingsApi.post('/test', requireCapability('admin'), async (c) => c.json(await testConfiguration(c.var.config, await activeAiSettings(c.var.db))))

/**
 * The settings form: "another model id" wins over the list when filled in; blank fields keep their
 * value, except prices (`prices.input`…), where blank means the model's list price.
 */
const AiSettingsForm = z
  .record(z.string(), z.unknown())
  .transform(({ model_other: other, api_token: _token, ...rest }) => {
    if (typeof other === 'string' && other.trim()) rest.model = other
    const prices = Object.fromEntries(
      Object.entries(rest)
        .filter(([k, v]) => k.startsWith('prices.') && v !== '')
        .map(([k, v]) => [k.slice('prices.'.length), v]),
    )
    const fields = Object.fromEntries(Object.entries(rest).filter(([k, v]) => v !== '' && !k.startsWith('prices.')))
    return Object.keys(rest).some((k) => k.startsWith('prices.')) ? { ...fields, prices } : fields
  })
  .pipe(AiSettingsChange)

/** The "new configuration" form: a name and a model (the rest starts as the active configuration's). */
const ConfigurationForm = z
  .record(z.string(), z.unknown())
  .transform(({ model_other: other, api_token: _token, ...rest }) => {
    if (typeof other === 'string' && other.trim()) rest.model = other
    return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== ''))
  })
  .pipe(ConfigurationInput)

/** /settings/ai: the form and the history. */
export const aiSettingsPages = new Hono<AppEnv>()

const NOTICES = {
  saved: 'Settings saved.',
  added: 'Configuration added.',
  activated: 'Configuration activated: workers use it within a few seconds.',
  deleted: 'Configuration deleted.',
}

/** What the page shows besides a result: the active settings, the configurations and the history. */
async function pageData(c: Context<AppEnv>) {
  const [current, history, configurations] = await Promise.all([activeAiSettings(c.var.db), listAiSettingsHistory(c.var.db), listConfigurations(c.var.db)])
  return { ctx: pageContext(c), current, history, configurations, canChange: can(signedInUser(c).role, 'admin') }
}

aiSettingsPages.get('/', requireCapability('view'), async (c) => {
  const draft = await formDraft(c, 'settings:ai', { page: '/settings/ai' })
  return c.html(<AiSettingsPage {...(await pageData(c))} notice={doneNotice(c, NOTICES)} values={draft.restored} draft={draft.offer} />)
})

aiSettingsPages.post('/configurations', requireCapability('admin'), async (c) => {
  rerenderOnError(c, async (problem) => <AiSettingsPage {...(await pageData(c))} {...problem} />)
  const input = await parseBody(c, ConfigurationForm)
  await checkModel(c.var.config, input.model, (await activeAiSettings(c.var.db)).model)
  await createConfiguration(c.var.db, signedInUser(c).id, input)
  return c.redirect('/settings/ai?done=added', 303)
})
aiSettingsPages.post('/configurations/:id/activate', requireCapability('admin'), async (c) => {
  await activateConfiguration(c.var.db, signedInUser(c).id, uuidParam(c, 'id', 'AI configuration'))
  return c.redirect('/settings/ai?done=activated', 303)
})
aiSettingsPages.post('/configurations/:id/delete', requireCapability('admin'), async (c) => {
  rerenderOnError(c, async (problem) => <AiSettingsPage {...(await pageData(c))} {...problem} />)
  await deleteConfiguration(c.var.db, signedInUser(c).id, uuidParam(c, 'id', 'AI configuration'))
  return c.redirect('/settings/ai?done=deleted', 303)
})

/** The page's "Test configuration": the same call, its result shown above the form. */
aiSettingsPages.post('/test', requireCapability('admin'), async (c) => {
  const data = await pageData(c)
  return c.html(<AiSettingsPage {...data} test={await testConfiguration(c.var.config, data.current)} />)
})

aiSettingsPages.post('/', requireCapability('admin'), async (c) => {
  rerenderOnError(c, async (problem) => <AiSettingsPage {...(await pageData(c))} {...problem} />)
  const change = await parseBody(c, AiSettingsForm)
  await checkModel(c.var.config, change.model, (await activeAiSettings(c.var.db)).model)
  const user = signedInUser(c)
  await changeAiSettings(c.var.db, user.id, change)
  await deleteDraft(c.var.db, user.id, 'settings:ai')
  c.var.log.info({ actor: user.id, change }, 'AI settings changed')
  return c.redirect('/settings/ai?done=saved', 303)
})

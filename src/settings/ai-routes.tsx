import { Hono } from 'hono'
import { z } from 'zod'
import { AiSettingsPage } from '../../views/settings/AiSettingsPage'
import { requireCapability, signedInUser } from '../auth/middleware'
import { can } from '../auth/roles'
import { AiSettingsChange, activeAiSettings, aiSettingsJson, changeAiSettings, listAiSettingsHistory } from '../generation/ai-settings'
import { checkModel } from '../generation/models'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { doneNotice } from '../http/notice'
import { pageContext } from '../http/page-context'
import { parseBody } from '../http/respond'
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

/** POST /api/settings/ai/test (DESIGN §8): one call with the active configuration → {ok, latency_ms, input_tokens, output_tokens, cost_usd}. */
aiSettingsApi.post('/test', requireCapability('admin'), async (c) => c.json(await testConfiguration(c.var.config, await activeAiSettings(c.var.db))))

/** The settings form: "another model id" wins over the list when filled in; blank fields keep their value. */
const AiSettingsForm = z
  .record(z.string(), z.unknown())
  .transform(({ model_other: other, api_token: _token, ...rest }) => {
    if (typeof other === 'string' && other.trim()) rest.model = other
    return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== ''))
  })
  .pipe(AiSettingsChange)

/** /settings/ai: the form and the history. */
export const aiSettingsPages = new Hono<AppEnv>()

aiSettingsPages.get('/', requireCapability('view'), async (c) => {
  const [current, history] = await Promise.all([activeAiSettings(c.var.db), listAiSettingsHistory(c.var.db)])
  const canChange = can(signedInUser(c).role, 'admin')
  return c.html(
    <AiSettingsPage ctx={pageContext(c)} current={current} history={history} canChange={canChange} notice={doneNotice(c, { saved: 'Settings saved.' })} />,
  )
})

/** The page's "Test configuration": the same call, its result shown above the form. */
aiSettingsPages.post('/test', requireCapability('admin'), async (c) => {
  const [current, history] = await Promise.all([activeAiSettings(c.var.db), listAiSettingsHistory(c.var.db)])
  const test = await testConfiguration(c.var.config, current)
  return c.html(<AiSettingsPage ctx={pageContext(c)} current={current} history={history} canChange test={test} />)
})

aiSettingsPages.post('/', requireCapability('admin'), async (c) => {
  rerenderOnError(c, async (problem) => {
    const [current, history] = await Promise.all([activeAiSettings(c.var.db), listAiSettingsHistory(c.var.db)])
    return <AiSettingsPage ctx={pageContext(c)} current={current} history={history} canChange {...problem} />
  })
  const change = await parseBody(c, AiSettingsForm)
  await checkModel(c.var.config, change.model, (await activeAiSettings(c.var.db)).model)
  const user = signedInUser(c)
  await changeAiSettings(c.var.db, user.id, change)
  c.var.log.info({ actor: user.id, change }, 'AI settings changed')
  return c.redirect('/settings/ai?done=saved', 303)
})

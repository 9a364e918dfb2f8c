import { type Context, Hono } from 'hono'
import { EdgeCasePage, NewScenarioPage, ScenarioPage } from '../../views/templates/ScenarioPages'
import { signedInUser } from '../auth/middleware'
import { deleteDraft, formDraft } from '../drafts/drafts'
import { NotFound } from '../errors'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { pageContext } from '../http/page-context'
import { uuidParam } from '../http/params'
import { parseBody, readBody } from '../http/respond'
import { canEdit } from './access'
import {
  deleteEdgeCase,
  deleteScenario,
  findEdgeCase,
  findScenario,
  insertEdgeCase,
  insertScenario,
  listEdgeCases,
  type Template,
  updateEdgeCase,
  updateScenario,
} from './queries'
import { notice, templateOr404 } from './request'
import {
  EdgeCaseInput,
  edgeCaseFormValues,
  parseScenario,
  type ScenarioFormValues,
  scenarioFormFromFields,
  scenarioFormValues,
  scenarioInputFromForm,
} from './scenarios'

/** The pages of a template's scenarios and their edge cases, mounted by routes.tsx at /templates/:id/scenarios. */
export const scenarioPages = new Hono<AppEnv>()

async function scenarioOr404(c: Context<AppEnv>, template: Template) {
  const scenario = await findScenario(c.var.db, uuidParam(c, 'sid', 'scenario'))
  if (!scenario || scenario.template_id !== template.id) throw new NotFound('No such scenario in this template.')
  return scenario
}

async function edgeCaseOr404(c: Context<AppEnv>) {
  const template = await templateOr404(c)
  const scenario = await scenarioOr404(c, template)
  const edgeCase = await findEdgeCase(c.var.db, uuidParam(c, 'eid', 'edge case'))
  if (!edgeCase || edgeCase.scenario_id !== scenario.id) throw new NotFound('No such edge case in this scenario.')
  return { template, scenario, edgeCase }
}

type ScenarioPageExtra = {
  fields?: Record<string, string>
  values?: ScenarioFormValues
  edgeCaseFields?: Record<string, string>
  edgeCaseValues?: Record<string, unknown>
}

async function scenarioPage(c: Context<AppEnv>, extra: ScenarioPageExtra = {}) {
  const template = await templateOr404(c)
  const scenario = await scenarioOr404(c, template)
  const page = `/templates/${template.id}/scenarios/${scenario.id}`
  const [edgeCases, scenarioDraft, edgeCaseDraft] = await Promise.all([
    listEdgeCases(c.var.db, scenario.id),
    formDraft(c, `scenario:${scenario.id}`, { page }),
    formDraft(c, `edge-case:new:${scenario.id}`, { page }),
  ])
  return (
    <ScenarioPage
      ctx={pageContext(c)}
      template={template}
      scenario={scenario}
      edgeCases={edgeCases}
      canEdit={canEdit(c)}
      values={extra.values ?? (scenarioDraft.restored ? scenarioFormValues(scenarioDraft.restored) : scenarioFormFromFields(scenario))}
      fields={extra.fields}
      edgeCaseValues={edgeCaseFormValues(extra.edgeCaseValues ?? edgeCaseDraft.restored ?? {})}
      edgeCaseFields={extra.edgeCaseFields}
      notice={notice(c)}
      drafts={{ scenario: scenarioDraft.offer, edgeCase: edgeCaseDraft.offer }}
    />
  )
}

scenarioPages.get('/new', async (c) => {
  const template = await templateOr404(c)
  const draft = await formDraft(c, `scenario:new:${template.id}`, { page: `/templates/${template.id}/scenarios/new` })
  return c.html(<NewScenarioPage ctx={pageContext(c)} template={template} values={scenarioFormValues(draft.restored ?? {})} draft={draft.offer} />)
})

scenarioPages.post('/', async (c) => {
  const template = await templateOr404(c)
  const values = scenarioFormValues(await readBody(c))
  rerenderOnError(c, (problem) => <NewScenarioPage ctx={pageContext(c)} template={template} values={values} fields={problem.fields} />)
  const scenario = await insertScenario(c.var.db, template.id, parseScenario(template.parameters, scenarioInputFromForm(values, template.parameters)))
  await deleteDraft(c.var.db, signedInUser(c).id, `scenario:new:${template.id}`)
  return c.redirect(`/templates/${template.id}/scenarios/${scenario.id}?done=scenario_created`, 303)
})

scenarioPages.get('/:sid', async (c) => c.html(await scenarioPage(c)))

scenarioPages.post('/:sid', async (c) => {
  const template = await templateOr404(c)
  const scenario = await scenarioOr404(c, template)
  const values = scenarioFormValues(await readBody(c))
  rerenderOnError(c, (problem) => scenarioPage(c, { values, fields: problem.fields }))
  await updateScenario(c.var.db, scenario.id, parseScenario(template.parameters, scenarioInputFromForm(values, template.parameters)))
  await deleteDraft(c.var.db, signedInUser(c).id, `scenario:${scenario.id}`)
  return c.redirect(`/templates/${template.id}/scenarios/${scenario.id}?done=scenario_saved`, 303)
})

scenarioPages.post('/:sid/delete', async (c) => {
  const template = await templateOr404(c)
  await deleteScenario(c.var.db, (await scenarioOr404(c, template)).id)
  return c.redirect(`/templates/${template.id}?done=scenario_deleted`, 303)
})

scenarioPages.post('/:sid/edge-cases', async (c) => {
  const template = await templateOr404(c)
  const scenario = await scenarioOr404(c, template)
  const body = await readBody(c)
  rerenderOnError(c, (problem) => scenarioPage(c, { edgeCaseValues: body, edgeCaseFields: problem.fields }))
  await insertEdgeCase(c.var.db, scenario.id, await parseBody(c, EdgeCaseInput))
  await deleteDraft(c.var.db, signedInUser(c).id, `edge-case:new:${scenario.id}`)
  return c.redirect(`/templates/${template.id}/scenarios/${scenario.id}?done=edge_case_created`, 303)
})

scenarioPages.get('/:sid/edge-cases/:eid', async (c) => {
  const found = await edgeCaseOr404(c)
  const page = `/templates/${found.template.id}/scenarios/${found.scenario.id}/edge-cases/${found.edgeCase.id}`
  const draft = await formDraft(c, `edge-case:${found.edgeCase.id}`, { page })
  return c.html(
    <EdgeCasePage ctx={pageContext(c)} {...found} canEdit={canEdit(c)} values={edgeCaseFormValues(draft.restored ?? found.edgeCase)} draft={draft.offer} />,
  )
})

scenarioPages.post('/:sid/edge-cases/:eid', async (c) => {
  const found = await edgeCaseOr404(c)
  const body = await readBody(c)
  rerenderOnError(c, (problem) => <EdgeCasePage ctx={pageContext(c)} {...found} canEdit values={edgeCaseFormValues(body)} fields={problem.fields} />)
  await updateEdgeCase(c.var.db, found.edgeCase.id, await parseBody(c, EdgeCaseInput))
  await deleteDraft(c.var.db, signedInUser(c).id, `edge-case:${found.edgeCase.id}`)
  return c.redirect(`/templates/${found.template.id}/scenarios/${found.scenario.id}?done=scenario_saved`, 303)
})

scenarioPages.post('/:sid/edge-cases/:eid/delete', async (c) => {
  const found = await edgeCaseOr404(c)
  await deleteEdgeCase(c.var.db, found.edgeCase.id)
  return c.redirect(`/templates/${found.template.id}/scenarios/${found.scenario.id}?done=edge_case_deleted`, 303)
})

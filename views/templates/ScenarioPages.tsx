import type { DraftOffer as Offer } from '../../src/drafts/drafts'
import type { PageContext } from '../../src/http/page-context'
import type { EdgeCase, Scenario, Template } from '../../src/templates/queries'
import { type EdgeCaseFormValues, SCENARIO_TEXT_FIELDS, type ScenarioFormValues } from '../../src/templates/scenarios'
import { valueField } from '../../src/templates/value-fields'
import { DraftedSubmit, DraftOffer, draftAttributes } from '../Drafts'
import { Field, FormError, SelectField } from '../Field'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { Table } from '../Table'
import { TextArea } from './TextArea'

type Errors = Record<string, string>

const LABELS: Record<(typeof SCENARIO_TEXT_FIELDS)[number], string> = {
  persona: 'Persona (who the user is)',
  emotion: 'Emotion',
  topic: 'Topic',
  context: 'Context',
  intent: 'Intent (what the user wants)',
  tone: 'Tone',
}

/** The scenario's fields and one input per template parameter (left blank: the parameter's default). */
function ScenarioForm(props: {
  template: Template
  action: string
  values: ScenarioFormValues
  fields: Errors
  submit: string
  draftKey: string
  draft?: Offer
}) {
  const { template, values, fields } = props
  const params = template.parameters.filter((param) => !(SCENARIO_TEXT_FIELDS as readonly string[]).includes(param.name))
  // A field the template declares as an enum is chosen from its values, not typed.
  const choices = (name: string) => template.parameters.find((param) => param.name === name && param.type === 'enum')?.values
  return (
    <>
      <DraftOffer offer={props.draft} />
      <form method="post" action={props.action} class="card" {...draftAttributes(props.draftKey)}>
        <Field name="name" label="Name" value={values.name} error={fields.name} required />
        {SCENARIO_TEXT_FIELDS.map((field) => {
          const options = choices(field)
          if (options) return <SelectField name={field} label={LABELS[field]} options={options} value={values[field]} error={fields[field]} />
          return field === 'persona' || field === 'context' ? (
            <TextArea name={field} label={LABELS[field]} value={values[field]} error={fields[field]} rows={2} />
          ) : (
            <Field name={field} label={LABELS[field]} value={values[field]} error={fields[field]} />
          )
        })}
        {params.length > 0 && <h2>Parameter values</h2>}
        {params.map((param) =>
          param.type === 'enum' && param.values ? (
            <SelectField
              name={valueField(param.name)}
              label={param.name}
              options={param.values}
              blank={param.default === undefined ? '—' : `default: ${String(param.default)}`}
              value={values.values[param.name] ?? ''}
              error={fields[valueField(param.name)]}
            />
          ) : (
            <Field
              name={valueField(param.name)}
              label={`${param.name} (${param.type}${param.default === undefined ? '' : `; default ${String(param.default)}`})`}
              value={values.values[param.name] ?? ''}
              error={fields[valueField(param.name)]}
            />
          ),
        )}
        {Object.entries(fields)
          .filter(([key]) => key.startsWith('values.') && !params.some((param) => valueField(param.name) === key))
          .map(([key, message]) => (
            <p class="field-error">
              {key.slice(7)}: {message}
            </p>
          ))}
        <DraftedSubmit label={props.submit} />
      </form>
    </>
  )
}

export function NewScenarioPage(props: { ctx: PageContext; template: Template; values: ScenarioFormValues; fields?: Errors; draft?: Offer }) {
  const { template } = props
  return (
    <Layout ctx={props.ctx} title={`New scenario · ${template.name}`}>
      <p>
        <a href={`/templates/${template.id}`}>← {template.name}</a>
      </p>
      <h1>New scenario</h1>
      <FormError message={props.fields && Object.keys(props.fields).length ? 'The scenario was not saved: fix the fields marked below.' : undefined} />
      <ScenarioForm
        template={template}
        action={`/templates/${template.id}/scenarios`}
        values={props.values}
        fields={props.fields ?? {}}
        submit="Create scenario"
        draftKey={`scenario:new:${template.id}`}
        draft={props.draft}
      />
    </Layout>
  )
}

function EdgeCaseForm(props: { action: string; values: EdgeCaseFormValues; fields: Errors; submit: string; draftKey: string; draft?: Offer }) {
  const { values, fields } = props
  return (
    <>
      <DraftOffer offer={props.draft} />
      <form method="post" action={props.action} class="card" {...draftAttributes(props.draftKey)}>
        <Field name="name" label="Name" value={values.name} error={fields.name} required />
        <Field name="type" label="Type (e.g. ambiguity, hostility, off-topic)" value={values.type} error={fields.type} />
        <TextArea name="description" label="Description of the hard variant" value={values.description} error={fields.description} rows={3} required />
        <Field name="complexity" label="Complexity (1–10)" type="number" value={values.complexity} error={fields.complexity} />
        <DraftedSubmit label={props.submit} />
      </form>
    </>
  )
}

/** A scenario: edit it, delete it, and its edge cases (list and a form for a new one). */
export function ScenarioPage(props: {
  ctx: PageContext
  template: Template
  scenario: Scenario
  edgeCases: EdgeCase[]
  canEdit: boolean
  values: ScenarioFormValues
  fields?: Errors
  edgeCaseValues?: EdgeCaseFormValues
  edgeCaseFields?: Errors
  notice?: string
  /** Kept drafts of the scenario's form and of its new edge case form. */
  drafts?: { scenario?: Offer; edgeCase?: Offer }
}) {
  const { template, scenario } = props
  const base = `/templates/${template.id}/scenarios/${scenario.id}`
  const errors = { ...(props.fields ?? {}), ...(props.edgeCaseFields ?? {}) }
  return (
    <Layout ctx={props.ctx} title={`${scenario.name} · ${template.name}`}>
      <p>
        <a href={`/templates/${template.id}`}>← {template.name}</a>
      </p>
      <h1>{scenario.name}</h1>
      <Notice message={props.notice} />
      <FormError message={Object.keys(errors).length ? 'Not saved: fix the fields marked below.' : undefined} />
      <section class="card">
        <dl>
          {SCENARIO_TEXT_FIELDS.filter((field) => scenario[field]).map((field) => (
            <>
              <dt class="muted">{field}</dt>
              <dd style="white-space: pre-wrap">{scenario[field]}</dd>
            </>
          ))}
          {Object.entries(scenario.values).map(([name, value]) => (
            <>
              <dt class="muted">
                <code>{name}</code>
              </dt>
              <dd>{String(value)}</dd>
            </>
          ))}
        </dl>
      </section>
      <section id="edge-cases">
        <h2>Edge cases</h2>
        {props.edgeCases.length === 0 ? (
          <p class="muted">No edge cases yet.</p>
        ) : (
          <Table head={['Name', 'Type', 'Complexity', 'Description']}>
            {props.edgeCases.map((edgeCase) => (
              <tr data-edge-case={edgeCase.name}>
                <td>
                  <a href={`${base}/edge-cases/${edgeCase.id}`}>{edgeCase.name}</a>
                </td>
                <td>{edgeCase.type}</td>
                <td>{edgeCase.complexity}</td>
                <td>{edgeCase.description.slice(0, 200)}</td>
              </tr>
            ))}
          </Table>
        )}
        {props.canEdit && (
          <>
            <h3>New edge case</h3>
            <EdgeCaseForm
              action={`${base}/edge-cases`}
              values={props.edgeCaseValues ?? { name: '', type: '', description: '', complexity: '5' }}
              fields={props.edgeCaseFields ?? {}}
              submit="Add edge case"
              draftKey={`edge-case:new:${scenario.id}`}
              draft={props.drafts?.edgeCase}
            />
          </>
        )}
      </section>
      {props.canEdit && (
        <section>
          <h2>Edit scenario</h2>
          <ScenarioForm
            template={template}
            action={base}
            values={props.values}
            fields={props.fields ?? {}}
            submit="Save scenario"
            draftKey={`scenario:${scenario.id}`}
            draft={props.drafts?.scenario}
          />
          <form method="post" action={`${base}/delete`} class="inline">
            <button type="submit">Delete this scenario and its edge cases</button>
          </form>
        </section>
      )}
    </Layout>
  )
}

export function EdgeCasePage(props: {
  ctx: PageContext
  template: Template
  scenario: Scenario
  edgeCase: EdgeCase
  canEdit: boolean
  values: EdgeCaseFormValues
  fields?: Errors
  draft?: Offer
}) {
  const { template, scenario, edgeCase } = props
  const base = `/templates/${template.id}/scenarios/${scenario.id}`
  return (
    <Layout ctx={props.ctx} title={`${edgeCase.name} · ${scenario.name}`}>
      <p>
        <a href={base}>← {scenario.name}</a>
      </p>
      <h1>{edgeCase.name}</h1>
      <p>
        <a href={`/templates/${template.id}/preview?edge_case_id=${edgeCase.id}`}>Preview a conversation prompt with this edge case</a>
      </p>
      <FormError message={props.fields && Object.keys(props.fields).length ? 'Not saved: fix the fields marked below.' : undefined} />
      {props.canEdit ? (
        <>
          <EdgeCaseForm
            action={`${base}/edge-cases/${edgeCase.id}`}
            values={props.values}
            fields={props.fields ?? {}}
            submit="Save edge case"
            draftKey={`edge-case:${edgeCase.id}`}
            draft={props.draft}
          />
          <form method="post" action={`${base}/edge-cases/${edgeCase.id}/delete`} class="inline">
            <button type="submit">Delete this edge case</button>
          </form>
        </>
      ) : (
        <section class="card">
          <p>
            {edgeCase.type && <>Type {edgeCase.type} · </>}complexity {edgeCase.complexity}
          </p>
          <p style="white-space: pre-wrap">{edgeCase.description}</p>
        </section>
      )}
    </Layout>
  )
}

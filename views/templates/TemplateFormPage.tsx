import { TIERS } from '../../src/db/schema'
import type { DraftOffer as Offer } from '../../src/drafts/drafts'
import type { PageContext } from '../../src/http/page-context'
import type { ParameterRow, TemplateFormValues } from '../../src/templates/form'
import { PARAMETER_TYPES } from '../../src/templates/validate'
import { DraftOffer, DraftStatus, draftAttributes } from '../Drafts'
import { Field, FormError } from '../Field'
import { Layout } from '../Layout'
import { Table } from '../Table'
import { Select, TextArea } from './TextArea'

function ParameterRows(props: { rows: ParameterRow[]; fields: Record<string, string> }) {
  const error = (i: number, field: string) => props.fields[`parameters.${i}.${field}`]
  return (
    <Table
      head={['Name', 'Type', 'Required', 'Default', 'Allowed values (enum, comma-separated)', 'Description']}
      id="parameter-rows"
      style="table-layout: fixed"
    >
      {props.rows.map((row, i) => {
        const key = (field: string) => `parameters[${i}][${field}]`
        const messages = ['name', 'type', 'required', 'default', 'values', 'description'].map((field) => error(i, field)).filter(Boolean)
        return (
          <>
            <tr class={messages.length ? 'invalid' : undefined}>
              <td>
                <input
                  type="text"
                  style="width: 100%"
                  name={key('name')}
                  value={row.name}
                  aria-label={`Parameter ${i + 1} name`}
                  aria-invalid={error(i, 'name') ? 'true' : undefined}
                />
              </td>
              <td>
                <select style="width: 100%" name={key('type')} aria-label={`Parameter ${i + 1} type`}>
                  {row.type !== '' && !(PARAMETER_TYPES as readonly string[]).includes(row.type) && (
                    <option value={row.type} selected>
                      {row.type}
                    </option>
                  )}
                  {row.type === '' && (
                    <option value="" selected>
                      —
                    </option>
                  )}
                  {PARAMETER_TYPES.map((type) => (
                    <option value={type} selected={type === row.type}>
                      {type}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <select style="width: 100%" name={key('required')} aria-label={`Parameter ${i + 1} required`}>
                  <option value="no" selected={row.required !== 'yes'}>
                    optional
                  </option>
                  <option value="yes" selected={row.required === 'yes'}>
                    required
                  </option>
                </select>
              </td>
              <td>
                <input
                  type="text"
                  style="width: 100%"
                  name={key('default')}
                  value={row.default}
                  aria-label={`Parameter ${i + 1} default`}
                  aria-invalid={error(i, 'default') ? 'true' : undefined}
                />
              </td>
              <td>
                <input
                  type="text"
                  style="width: 100%"
                  name={key('values')}
                  value={row.values}
                  aria-label={`Parameter ${i + 1} allowed values`}
                  aria-invalid={error(i, 'values') ? 'true' : undefined}
                />
              </td>
              <td>
                <input type="text" style="width: 100%" name={key('description')} value={row.description} aria-label={`Parameter ${i + 1} description`} />
              </td>
            </tr>
            {messages.length > 0 && (
              <tr>
                <td colspan={6}>
                  {messages.map((message) => (
                    <p class="field-error">{message}</p>
                  ))}
                </td>
              </tr>
            )}
          </>
        )
      })}
    </Table>
  )
}

export function TemplateFormPage(props: {
  ctx: PageContext
  /** Undefined for a new template. */
  template?: { id: string; name: string; version: number }
  values: TemplateFormValues
  /** The version the editor started from, sent back so a concurrent save is noticed. */
  baseVersion?: number
  fields?: Record<string, string>
  error?: string
  draft?: Offer
}) {
  const { template, values } = props
  const fields = props.fields ?? {}
  const title = template ? `Edit ${template.name}` : 'New template'
  const action = template ? `/templates/${template.id}` : '/templates'
  return (
    <Layout ctx={props.ctx} title={title}>
      <p>
        <a href={template ? `/templates/${template.id}` : '/templates'}>← {template ? template.name : 'Templates'}</a>
      </p>
      <h1>{title}</h1>
      <DraftOffer offer={props.draft} />
      <FormError message={props.error ?? (Object.keys(fields).length ? 'The template was not saved: fix the fields marked below.' : undefined)} />
      <form method="post" action={action} class="card" {...draftAttributes(template ? `template:${template.id}` : 'template:new', props.baseVersion)}>
        {props.baseVersion !== undefined && <input type="hidden" name="base_version" value={String(props.baseVersion)} />}
        <Field name="name" label="Name" value={values.name} error={fields.name} required />
        <TextArea name="description" label="Description" value={values.description} error={fields.description} rows={2} />
        <Field name="category" label="Category" value={values.category} error={fields.category} />
        <Select name="target_tier" label="Target tier" options={TIERS} value={values.target_tier} error={fields.target_tier} />
        <TextArea
          name="system_prompt"
          label="System prompt"
          value={values.system_prompt}
          error={fields.system_prompt}
          rows={6}
          hint="Use {{name}} for a parameter's value."
        />
        <TextArea name="prompt" label="Conversation prompt" value={values.prompt} error={fields.prompt} rows={6} hint="Use {{name}} for a parameter's value." />
        <h2>Parameters</h2>
        <p class="muted">Rows left blank are ignored. Defaults and values are typed: numbers as 12 or 3.5, booleans as true or false.</p>
        {fields.parameters && <p class="field-error">{fields.parameters}</p>}
        <ParameterRows rows={values.parameters} fields={fields} />
        <div style="display: flex; gap: 1rem">
          <Field name="min_turns" label="Fewest turns" type="number" value={values.min_turns} error={fields.min_turns} />
          <Field name="max_turns" label="Most turns" type="number" value={values.max_turns} error={fields.max_turns} />
          <Field name="quality_threshold" label="Quality threshold (0–10)" value={values.quality_threshold} error={fields.quality_threshold} />
        </div>
        <TextArea name="notes" label="Notes" value={values.notes} error={fields.notes} rows={3} />
        <p style="display: flex; gap: 1rem; align-items: center">
          <button type="submit" class="primary">
            {template ? 'Save a new version' : 'Create template'}
          </button>
          <button
            type="submit"
            name="add_row"
            value="1"
            hx-post={action}
            hx-vals='{"add_row": "1"}'
            hx-target="#parameter-rows"
            hx-select="#parameter-rows"
            hx-swap="outerHTML"
          >
            Add a parameter row
          </button>
          <DraftStatus />
        </p>
      </form>
    </Layout>
  )
}

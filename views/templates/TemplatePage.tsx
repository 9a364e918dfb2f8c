import type { PageContext } from '../../src/http/page-context'
import type { ScenarioListItem, Template, TemplateVersion } from '../../src/templates/queries'
import { ConfirmPage } from '../ConfirmPage'
import { FormError } from '../Field'
import { when } from '../format'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { SubNav } from '../SubNav'
import { Table } from '../Table'

/** A template: its fields, actions, versions (diff and restore) and scenarios. */
function VersionSelect(props: { name: string; label: string; versions: TemplateVersion[]; selected?: number }) {
  return (
    <label>
      {props.label}{' '}
      <select name={props.name}>
        {props.versions.map((v) => (
          <option value={String(v.version)} selected={v.version === props.selected}>
            v{v.version}
          </option>
        ))}
      </select>
    </label>
  )
}

export function TemplatePage(props: {
  ctx: PageContext
  template: Template
  versions: TemplateVersion[]
  scenarios: ScenarioListItem[]
  canEdit: boolean
  notice?: string
  error?: string
}) {
  const { template, versions, canEdit } = props
  const base = `/templates/${template.id}`
  return (
    <Layout ctx={props.ctx} title={template.name}>
      <p>
        <a href="/templates">← Templates</a>
      </p>
      <h1>
        {template.name} <small class="muted">v{template.version}</small> {template.archived_at && <span class="pill bad">archived</span>}
      </h1>
      <Notice message={props.notice} />
      <FormError message={props.error} />
      {template.description && <p>{template.description}</p>}
      <p class="muted">
        {template.category && <>Category {template.category} · </>}Target tier {template.target_tier} · {template.min_turns}–{template.max_turns} turns ·
        quality threshold {Number(template.quality_threshold)}
      </p>
      <SubNav
        ctx={props.ctx}
        label="Template"
        items={[
          { href: `${base}/preview`, label: 'Preview' },
          canEdit && { href: `${base}/edit`, label: 'Edit' },
          canEdit && { href: `${base}/scenarios/new`, label: 'New scenario' },
        ]}
      />
      {canEdit && (
        <div style="display: flex; gap: .5rem; margin-bottom: 1rem">
          <form method="post" action={`${base}/duplicate`} class="inline">
            <button type="submit">Duplicate</button>
          </form>
          <form method="post" action={`${base}/${template.archived_at ? 'unarchive' : 'archive'}`} class="inline">
            <button type="submit">{template.archived_at ? 'Unarchive' : 'Archive'}</button>
          </form>
          <form method="post" action={`${base}/delete`} class="inline">
            <button type="submit" title="Only a template nothing was generated from can be deleted">
              Delete…
            </button>
          </form>
        </div>
      )}

      <section class="card">
        <h2>System prompt</h2>
        <pre style="white-space: pre-wrap">{template.system_prompt}</pre>
        <h2>Conversation prompt</h2>
        <pre style="white-space: pre-wrap">{template.prompt}</pre>
        <h2>Parameters</h2>
        {template.parameters.length === 0 ? (
          <p class="muted">No parameters.</p>
        ) : (
          <Table head={['Name', 'Type', 'Required', 'Default', 'Allowed values', 'Description']}>
            {template.parameters.map((param) => (
              <tr>
                <td>
                  <code>{param.name}</code>
                </td>
                <td>{param.type}</td>
                <td>{param.required ? 'required' : 'optional'}</td>
                <td>{param.default === undefined ? '' : String(param.default)}</td>
                <td>{(param.values ?? []).join(', ')}</td>
                <td>{param.description ?? ''}</td>
              </tr>
            ))}
          </Table>
        )}
        {template.notes && (
          <>
            <h2>Notes</h2>
            <pre style="white-space: pre-wrap">{template.notes}</pre>
          </>
        )}
      </section>

      <section class="card" id="scenarios">
        <h2>Scenarios</h2>
        {props.scenarios.length === 0 ? (
          <p class="muted">No scenarios yet.</p>
        ) : (
          <Table head={['Name', 'Persona', 'Emotion', 'Topic', 'Edge cases']}>
            {props.scenarios.map((scenario) => (
              <tr data-scenario={scenario.name}>
                <td>
                  <a href={`${base}/scenarios/${scenario.id}`}>{scenario.name}</a>
                </td>
                <td>{scenario.persona}</td>
                <td>{scenario.emotion}</td>
                <td>{scenario.topic}</td>
                <td>{scenario.edge_case_count}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>

      <section class="card" id="versions">
        <h2>Versions</h2>
        {versions.length > 1 && (
          <form method="get" action={`${base}/diff`} class="inline" style="margin-bottom: 1rem">
            <VersionSelect name="from" label="Compare" versions={versions} selected={versions[1]?.version} />
            <VersionSelect name="to" label="with" versions={versions} selected={versions[0]?.version} />
            <button type="submit">Show the differences</button>
          </form>
        )}
        <Table head={['Version', 'Saved', 'By', '']}>
          {versions.map((v) => (
            <tr data-version={String(v.version)}>
              <td>
                v{v.version} {v.version === template.version && <span class="pill good">current</span>}
              </td>
              <td>{when(v.created_at)}</td>
              <td>{v.created_by_email ?? ''}</td>
              <td>
                {canEdit && v.version !== template.version && (
                  <form method="post" action={`${base}/versions/${v.version}/restore`} class="inline">
                    <button type="submit">Restore as a new version</button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </Table>
      </section>
    </Layout>
  )
}

/** The step before deleting a template for good. */
export function DeleteTemplatePage(props: { ctx: PageContext; template: Template }) {
  const base = `/templates/${props.template.id}`
  return (
    <ConfirmPage
      ctx={props.ctx}
      title={`Delete “${props.template.name}”?`}
      action={`${base}/delete`}
      confirm="Delete the template"
      back={base}
      backLabel="Keep it"
    >
      <p>
        The template, its versions, scenarios and edge cases are deleted for good. Only a template nothing was generated from can be deleted; archive one that
        was used.
      </p>
    </ConfirmPage>
  )
}

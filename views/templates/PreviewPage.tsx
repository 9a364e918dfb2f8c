import type { BatchEstimate } from '../../src/generation/cost'
import type { PageContext } from '../../src/http/page-context'
import type { ResolvedPrompts } from '../../src/templates/prompt'
import type { EdgeCase, Scenario, Template } from '../../src/templates/queries'
import { valueField } from '../../src/templates/value-fields'
import { SelectField } from '../Field'
import { Layout } from '../Layout'

/** What one call would send, from sample values (and optionally a scenario), with its estimated cost. */
export function PreviewResult(props: { resolved: ResolvedPrompts & { exact: boolean }; estimate: BatchEstimate; model: string }) {
  const { resolved, estimate } = props
  const invalid = Object.entries(resolved.invalid)
  // A value refused as invalid is named once, as invalid, not again as missing.
  const missing = resolved.missing.filter((name) => !(name in resolved.invalid))
  return (
    <section id="preview-result">
      {resolved.missing.length > 0 && (
        <p class="form-error" data-missing={resolved.missing.join(',')}>
          {missing.length > 0 ? `Missing values: ${missing.join(', ')}.` : ''} Values missing or not fitting stay as placeholders below.
        </p>
      )}
      {resolved.unknown.length > 0 && (
        <p class="form-error" data-unknown={resolved.unknown.join(',')}>
          Not parameters of this template (ignored): {resolved.unknown.join(', ')}.
        </p>
      )}
      {invalid.length > 0 && <p class="form-error">Values that do not fit: {invalid.map(([name, message]) => `${name} (${message})`).join('; ')}.</p>}
      <section class="card">
        <p class="muted" id="preview-kind">
          {resolved.exact
            ? 'Exactly as generation sends them: the filled prompt, then the scenario’s facts and the turn instructions it adds.'
            : 'Filled as far as the values go. Once every value is there, this shows the message exactly as sent, with the scenario’s facts and turn instructions.'}
        </p>
        <h2>System prompt</h2>
        <pre style="white-space: pre-wrap" id="resolved-system">
          {resolved.system_prompt}
        </pre>
        <h2>Conversation prompt</h2>
        <pre style="white-space: pre-wrap" id="resolved-prompt">
          {resolved.prompt}
        </pre>
      </section>
      <p id="estimate">
        Estimated for one conversation with {props.model}: about <strong>{estimate.input_tokens}</strong> input tokens, {estimate.output_tokens} output tokens,{' '}
        <strong>${estimate.cost_usd.toFixed(4)}</strong>.{' '}
        <small class="muted">
          {estimate.calibrated_from === null
            ? 'Tokens are estimated at about four characters each, the tool definition included.'
            : `Based on ${estimate.calibrated_from} past conversations of this template.`}
        </small>
      </p>
    </section>
  )
}

export function PreviewPage(props: {
  ctx: PageContext
  template: Template
  scenarios: Scenario[]
  scenarioId?: string
  edgeCase?: EdgeCase
  samples: Record<string, string>
  resolved: ResolvedPrompts & { exact: boolean }
  estimate: BatchEstimate
  model: string
}) {
  const { template } = props
  const action = `/templates/${template.id}/preview`
  return (
    <Layout ctx={props.ctx} title={`Preview ${template.name}`}>
      <p>
        <a href={`/templates/${template.id}`}>← {template.name}</a>
      </p>
      <h1>Preview</h1>
      <form
        method="post"
        action={action}
        class="card"
        hx-post={action}
        hx-target="#preview-result"
        hx-swap="outerHTML"
        hx-trigger="input changed delay:500ms, submit"
      >
        {props.edgeCase && (
          <p>
            Edge case <strong>{props.edgeCase.name}</strong> (complexity {props.edgeCase.complexity}) of its scenario.
            <input type="hidden" name="edge_case_id" value={props.edgeCase.id} />
          </p>
        )}
        {!props.edgeCase && props.scenarios.length > 0 && (
          <div class="field">
            <label for="f-scenario_id">Scenario</label>
            <select id="f-scenario_id" name="scenario_id">
              <option value="">— none —</option>
              {props.scenarios.map((scenario) => (
                <option value={scenario.id} selected={scenario.id === props.scenarioId}>
                  {scenario.name}
                </option>
              ))}
            </select>
          </div>
        )}
        {template.parameters.map((param) =>
          param.type === 'enum' && param.values ? (
            <SelectField
              name={valueField(param.name)}
              label={`${param.name}${param.required ? ' (required)' : ''}`}
              options={param.values}
              blank={param.default === undefined ? '—' : `default: ${String(param.default)}`}
              value={param.name in props.resolved.invalid ? '' : props.samples[param.name]}
            />
          ) : (
            <div class="field">
              <label for={`f-values-${param.name}`}>
                {param.name}{' '}
                <small class="muted">
                  {param.type}
                  {param.required ? ', required' : ''}
                  {param.values ? `: ${param.values.join(', ')}` : ''}
                </small>
              </label>
              <input
                type="text"
                id={`f-values-${param.name}`}
                name={valueField(param.name)}
                value={param.name in props.resolved.invalid ? '' : (props.samples[param.name] ?? '')}
                placeholder={param.default === undefined ? '' : `default: ${String(param.default)}`}
              />
            </div>
          ),
        )}
        <button type="submit" class="primary">
          Preview
        </button>
      </form>
      <PreviewResult resolved={props.resolved} estimate={props.estimate} model={props.model} />
    </Layout>
  )
}

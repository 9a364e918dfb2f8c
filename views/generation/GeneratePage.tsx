import type { DraftOffer as Offer } from '../../src/drafts/drafts'
import { type BatchEstimate, MODEL_CHOICES } from '../../src/generation/cost'
import type { GenerateChoices, GenerateFormValues } from '../../src/generation/form'
import type { PageContext } from '../../src/http/page-context'
import { DraftOffer, DraftStatus, draftAttributes } from '../Drafts'
import { FormError } from '../Field'
import { count } from '../format'
import { Layout } from '../Layout'
import { dollars, duration } from './format'

/**
 * Choose a template, then what to generate from it: scenarios and edge cases, a grid of personas ×
 * emotions × topics (or N random draws of it), or the template alone; preview the cost, then start
 * the batch, or generate a single conversation now.
 */
export function GeneratePage(props: {
  ctx: PageContext
  choices: GenerateChoices
  values?: GenerateFormValues
  estimate?: BatchEstimate
  error?: string
  fields?: Record<string, string>
  draft?: Offer
}) {
  const { choices, estimate } = props
  const v = props.values ?? {}
  const firstValue = (key: string) => {
    const value = v[key]
    return Array.isArray(value) ? (value[0] ?? '') : (value ?? '')
  }
  const many = (key: string) => {
    const value = v[key]
    return new Set(Array.isArray(value) ? value : value ? [value] : [])
  }
  const scenarioIds = many('scenario_ids')
  const edgeIds = many('edge_case_ids')
  const template = choices.template
  const chunks = choices.chunks
  return (
    <Layout ctx={props.ctx} title="Generate">
      <h1>Generate conversations</h1>
      <p>
        <a href="/batches">Batches</a>
      </p>
      <DraftOffer offer={props.draft} />
      <form method="get" action="/generate" class="card">
        <div class="field">
          <label for="f-template">Template</label>
          <select id="f-template" name="template_id">
            {choices.templates.map((t) => (
              <option value={t.id} selected={t.id === template?.id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        {chunks.map((chunk) => (
          <input type="hidden" name="chunk_ids" value={chunk.id} />
        ))}
        <button type="submit">Choose</button>
        {choices.templates.length === 0 && (
          <p class="muted">
            No templates yet: <a href="/templates/new">create one</a> first.
          </p>
        )}
      </form>
      {template && (
        <form method="post" action="/generate/preview" class="card" id="generate-form" {...draftAttributes('generate')}>
          <input type="hidden" name="template_id" value={template.id} />
          <h2>{template.name}</h2>
          <FormError message={props.error} />
          <p class="muted">
            {template.min_turns}–{template.max_turns} turns. Without scenarios or a grid, conversations come from the template alone (T1).
          </p>
          {chunks.length > 0 && (
            <fieldset id="source-chunks">
              <legend>Source chunks ({chunks.length})</legend>
              <p class="muted">
                Every item is generated once per chunk, grounded in its text; the chunk's personas, emotions and topics fill what a scenario leaves blank.
                Untick a chunk to leave it out, then preview again.
              </p>
              {props.fields?.chunk_ids && <p class="field-error">{props.fields.chunk_ids}</p>}
              <ul>
                {chunks.map((chunk) => (
                  <li data-source-chunk={chunk.id}>
                    <label>
                      <input type="checkbox" name="chunk_ids" value={chunk.id} checked /> <strong>{chunk.document_title}</strong>
                      {chunk.heading_path.length > 0 && <span class="muted"> › {chunk.heading_path.join(' › ')}</span>}{' '}
                      <small class="muted">{count(chunk.tokens)} tokens</small>
                    </label>
                    <div class="muted">{chunk.first_line}</div>
                  </li>
                ))}
              </ul>
            </fieldset>
          )}
          {template.parameters.length > 0 && (
            <fieldset>
              <legend>Values</legend>
              {template.parameters.map((p) => (
                <div class={props.fields?.[`values.${p.name}`] ? 'field invalid' : 'field'}>
                  <label for={`f-values-${p.name}`}>
                    {p.name}{' '}
                    <small class="muted">
                      ({p.type}
                      {p.required ? ', required' : ''})
                    </small>
                  </label>
                  {p.type === 'enum' ? (
                    <select id={`f-values-${p.name}`} name={`values.${p.name}`}>
                      <option value="">{p.default !== undefined ? `default: ${String(p.default)}` : '—'}</option>
                      {(p.values ?? []).map((value) => (
                        <option value={value} selected={firstValue(`values.${p.name}`) === value}>
                          {value}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input
                      id={`f-values-${p.name}`}
                      name={`values.${p.name}`}
                      value={firstValue(`values.${p.name}`)}
                      placeholder={p.default !== undefined ? String(p.default) : ''}
                    />
                  )}
                  {props.fields?.[`values.${p.name}`] && <p class="field-error">{props.fields[`values.${p.name}`]}</p>}
                </div>
              ))}
            </fieldset>
          )}
          {choices.scenarios.length > 0 && (
            <fieldset>
              <legend>Scenarios (T2) and edge cases (T3)</legend>
              {choices.scenarios.map((s) => (
                <div>
                  <label>
                    <input type="checkbox" name="scenario_ids" value={s.id} checked={scenarioIds.has(s.id)} /> {s.name}{' '}
                    <small class="muted">{[s.persona, s.emotion, s.topic].filter(Boolean).join(' · ')}</small>
                  </label>
                  {s.edge_cases.map((e) => (
                    <label class="check edge-case">
                      <input type="checkbox" name="edge_case_ids" value={e.id} checked={edgeIds.has(e.id)} /> edge case: {e.name}{' '}
                      <small class="muted">complexity {e.complexity}</small>
                    </label>
                  ))}
                </div>
              ))}
            </fieldset>
          )}
          <fieldset>
            <legend>Or a grid (one value per line or comma-separated)</legend>
            {(['persona', 'emotion', 'topic'] as const).map((axis) => (
              <div class="field">
                <label for={`f-grid-${axis}`}>{axis}s</label>
                <textarea id={`f-grid-${axis}`} name={`grid_${axis}`} rows={3}>
                  {firstValue(`grid_${axis}`)}
                </textarea>
              </div>
            ))}
            <div class="field">
              <label for="f-random_draws">Random draws (blank: every combination)</label>
              <input id="f-random_draws" name="random_draws" type="number" min="1" value={firstValue('random_draws')} />
            </div>
          </fieldset>
          <fieldset>
            <legend>Batch</legend>
            <div class={props.fields?.count_per_item ? 'field invalid' : 'field'}>
              <label for="f-count_per_item">Conversations per item</label>
              <input
                id="f-count_per_item"
                name="count_per_item"
                type="number"
                min="1"
                max={choices.settings.max_batch_size}
                value={firstValue('count_per_item') || '1'}
                required
              />
              {props.fields?.count_per_item && <p class="field-error">{props.fields.count_per_item}</p>}
            </div>
            <div class="field">
              <label for="f-name">Name</label>
              <input id="f-name" name="name" value={firstValue('name')} placeholder={`${template.name} batch`} />
            </div>
            <div class={props.fields?.model ? 'field invalid' : 'field'}>
              <label for="f-model">Model</label>
              <input id="f-model" name="model" list="known-models" value={firstValue('model')} placeholder={choices.settings.model} />
              <datalist id="known-models">
                {MODEL_CHOICES.map(({ id }) => (
                  <option value={id} />
                ))}
              </datalist>
              {props.fields?.model && <p class="field-error">{props.fields.model}</p>}
            </div>
            <div class="field">
              <label for="f-max_tokens">Max tokens</label>
              <input id="f-max_tokens" name="max_tokens" type="number" value={firstValue('max_tokens')} placeholder={String(choices.settings.max_tokens)} />
            </div>
            <label class="check">
              <input type="checkbox" name="message_batches" value="on" checked={firstValue('message_batches') === 'on'} /> Send through the Message Batches API:
              half price, results within 24 hours
            </label>
          </fieldset>
          {/* The estimate and the buttons stay in view at the bottom of the window while the form is long. */}
          <div class="sticky-actions">
            {estimate && (
              <section class="notice" id="estimate" role="status">
                <p>
                  <strong>{count(estimate.calls)}</strong> calls, about {count(estimate.input_tokens)} input and {count(estimate.output_tokens)} output tokens,{' '}
                  <strong>{dollars(estimate.cost_usd)}</strong>,{' '}
                  {firstValue('message_batches') === 'on'
                    ? 'at Message Batches prices, with results within 24 hours.'
                    : `about ${duration(estimate.expected_seconds)} at ${choices.settings.requests_per_minute} requests/minute.`}
                </p>
                <p class="muted" id="estimate-basis">
                  {estimate.calibrated_from === null
                    ? 'Tokens guessed from the prompts’ length: after 20 conversations of this template, estimates use what they really used.'
                    : `Based on ${count(estimate.calibrated_from)} past conversations of this template.`}
                </p>
                {estimate.chunk_tokens > 0 && (
                  <p id="estimate-chunks">
                    Grounded in {count(chunks.length)} chunk{chunks.length === 1 ? '' : 's'}: {count(estimate.chunk_tokens)} chunk tokens in all, with{' '}
                    {count(estimate.cache_reads)} expected cache read{estimate.cache_reads === 1 ? '' : 's'} (the first call for each chunk writes the prompt
                    cache, the others read it{estimate.cache_reads === 0 ? "; a prompt shorter than the model's minimum cacheable length is not cached" : ''}).
                  </p>
                )}
              </section>
            )}
            <p>
              <button type="submit">Preview cost</button>{' '}
              {estimate && (
                <button type="submit" class="primary" formaction="/generate/batches">
                  Start batch
                </button>
              )}{' '}
              <button type="submit" formaction="/generate/single">
                Generate one now
              </button>{' '}
              <DraftStatus />
            </p>
          </div>
        </form>
      )}
    </Layout>
  )
}

import type { DraftFields, DraftOffer as Offer } from '../../src/drafts/drafts'
import type { AiSettings, AiSettingsChangeRow } from '../../src/generation/ai-settings'
import { listPrice, MODEL_CHOICES } from '../../src/generation/cost'
import type { PageContext } from '../../src/http/page-context'
import type { AiConfiguration } from '../../src/settings/ai-configurations'
import type { ConfigurationTest } from '../../src/settings/ai-test'
import { DraftedSubmit, DraftOffer, draftAttributes } from '../Drafts'
import { Field, FormError } from '../Field'
import { when } from '../format'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { Table } from '../Table'
import { SettingsNav } from './SettingsNav'

const FIELDS = [
  ['max_tokens', 'Max tokens per call'],
  ['requests_per_minute', 'Requests per minute (all workers together)'],
  ['max_concurrency', 'Calls at once (all workers together)'],
  ['retry_budget_minutes', 'Retry transient errors (rate limit, overload, server error, timeout, invalid output) for up to (minutes)'],
  ['max_retries', 'Retries after an unexpected error (e.g. the database)'],
  ['timeout_ms', 'Timeout per call (ms)'],
  ['max_batch_size', 'Largest batch (conversations)'],
] as const

/** The active AI configuration (admins can change it) and every past change with who made it. */
export function AiSettingsPage(props: {
  ctx: PageContext
  current: AiSettings
  history: AiSettingsChangeRow[]
  /** The named configurations, the active one first. */
  configurations: AiConfiguration[]
  canChange: boolean
  error?: string
  fields?: Record<string, string>
  notice?: string
  /** The result of "Test configuration", when it was just run. */
  test?: ConfigurationTest
  /** The form as typed (a restored draft), shown instead of the active values. */
  values?: DraftFields
  draft?: Offer
}) {
  const typed = (name: string, saved: string) => {
    const value = props.values?.[name]
    return typeof value === 'string' ? value : saved
  }
  return (
    <Layout ctx={props.ctx} title="AI settings">
      <SettingsNav ctx={props.ctx} />
      <h1>AI settings</h1>
      <p>Workers pick up a change within a few seconds.</p>
      <Notice message={props.notice} />
      <FormError message={props.fields ? 'Some values are not valid.' : props.error} />
      {props.test && <TestResult test={props.test} />}
      {props.canChange && (
        <form method="post" action="/settings/ai/test" class="inline">
          <button type="submit">Test configuration</button>
          <span class="muted">
            One short call with the active model{props.ctx.simulated ? ' (the simulator: no API key is set)' : ''}: its latency, tokens and cost.
          </span>
        </form>
      )}
      {props.canChange && <DraftOffer offer={props.draft} />}
      <form method="post" action="/settings/ai" class="card" {...(props.canChange ? draftAttributes('settings:ai') : {})}>
        {props.canChange ? (
          <ModelChoice current={typed('model', props.current.model)} other={typed('model_other', '')} error={props.fields?.model} />
        ) : (
          <p>
            Model: <strong>{props.current.model}</strong>
          </p>
        )}
        {FIELDS.map(([name, label]) =>
          props.canChange ? (
            <Field name={name} label={label} value={typed(name, String(props.current[name]))} error={props.fields?.[name]} />
          ) : (
            <p>
              {label}: <strong>{String(props.current[name])}</strong>
            </p>
          ),
        )}
        <PriceFields current={props.current} canChange={props.canChange} fields={props.fields} typed={typed} />
        {props.canChange && <DraftedSubmit label="Save" />}
      </form>
      <Configurations configurations={props.configurations} canChange={props.canChange} model={props.current.model} />
      <h2>Models and list prices</h2>
      <Table head={['Model', 'Input', 'Output', 'Cache write', 'Cache read']} id="model-prices">
        {MODEL_CHOICES.map(({ id, price }) => (
          <tr>
            <td>
              <code>{id}</code>
            </td>
            <td>{perMillion(price.input)}</td>
            <td>{perMillion(price.output)}</td>
            <td>{perMillion(price.cacheWrite)}</td>
            <td>{perMillion(price.cacheRead)}</td>
          </tr>
        ))}
      </Table>
      <p class="muted">US dollars per million tokens; the Message Batches API halves them.</p>
      <h2>History</h2>
      <Table head={['When', 'Who', 'Model', 'Max tokens', 'Rate / min', 'At once', 'Retry budget', 'Retries', 'Max batch']}>
        {props.history.map((row) => (
          <tr>
            <td>{when(row.created_at)}</td>
            <td>{row.created_by_email ?? 'default'}</td>
            <td>{row.model}</td>
            <td>{row.max_tokens}</td>
            <td>{row.requests_per_minute}</td>
            <td>{row.max_concurrency}</td>
            <td>{row.retry_budget_minutes} min</td>
            <td>{row.max_retries}</td>
            <td>{row.max_batch_size}</td>
          </tr>
        ))}
      </Table>
    </Layout>
  )
}

const perMillion = (dollars: number) => `$${Number(dollars.toFixed(3))}`

/**
 * The models the SDK names, with their prices; another id (a newer model or a dated snapshot) is
 * accepted after one test call with it succeeds.
 */
function ModelChoice(props: { current: string; other?: string; error?: string }) {
  const known = MODEL_CHOICES.some((choice) => choice.id === props.current)
  return (
    <div class={props.error ? 'field invalid' : 'field'}>
      <label for="f-model">Model</label>
      <select id="f-model" name="model" aria-invalid={props.error ? 'true' : undefined}>
        {!known && (
          <option value={props.current} selected>
            {props.current} (another model)
          </option>
        )}
        {MODEL_CHOICES.map(({ id, price }) => (
          <option value={id} selected={id === props.current}>
            {id} ({perMillion(price.input)} in / {perMillion(price.output)} out per million tokens)
          </option>
        ))}
      </select>
      <label for="f-model_other">Or another model id (checked with one test call)</label>
      <input id="f-model_other" name="model_other" type="text" placeholder="claude-…" value={props.other} />
      {props.error && <p class="field-error">{props.error}</p>}
    </div>
  )
}

function TestResult(props: { test: ConfigurationTest }) {
  const t = props.test
  if (!t.ok) return <FormError message={`The test call to ${t.model} failed after ${t.latency_ms} ms: ${t.error}`} />
  const cost = t.cost_usd < 0.01 ? `$${t.cost_usd.toFixed(6)}` : `$${t.cost_usd.toFixed(4)}`
  return (
    <Notice
      message={`${t.model}${t.simulated ? ' (simulated)' : ''} answered in ${t.latency_ms} ms: ${t.input_tokens} input and ${t.output_tokens} output tokens, ${cost}.`}
    />
  )
}

const PRICE_FIELDS = [
  ['input', 'Input', 'input'],
  ['output', 'Output', 'output'],
  ['cache_write', 'Cache write', 'cacheWrite'],
  ['cache_read', 'Cache read', 'cacheRead'],
] as const

/** Prices of the active model in dollars per million tokens: blank means its list price (shown as the placeholder). */
function PriceFields(props: { current: AiSettings; canChange: boolean; fields?: Record<string, string>; typed: (name: string, saved: string) => string }) {
  const list = listPrice(props.current.model)
  const prices = props.current.prices
  return (
    <fieldset class="prices">
      <legend>Prices for {props.current.model} (dollars per million tokens; blank: the list price)</legend>
      {PRICE_FIELDS.map(([key, label, listKey]) =>
        props.canChange ? (
          <div class={props.fields?.[`prices.${key}`] ? 'field invalid' : 'field'}>
            <label for={`f-prices.${key}`}>{label}</label>
            <input
              id={`f-prices.${key}`}
              name={`prices.${key}`}
              type="number"
              min={0}
              step="any"
              value={props.typed(`prices.${key}`, prices[key]?.toString() ?? '')}
              placeholder={String(list[listKey])}
            />
            {props.fields?.[`prices.${key}`] && <p class="field-error">{props.fields[`prices.${key}`]}</p>}
          </div>
        ) : (
          <p>
            {label}: <strong>{perMillion(prices[key] ?? list[listKey])}</strong>
          </p>
        ),
      )}
      {props.canChange ? (
        <Field
          name="batch_discount"
          label="Message Batches API price, as a share of the standard price"
          value={props.typed('batch_discount', String(props.current.batch_discount))}
          error={props.fields?.batch_discount}
        />
      ) : (
        <p>
          Message Batches share: <strong>{props.current.batch_discount}</strong>
        </p>
      )}
    </fieldset>
  )
}

/** Named configurations: one is active (what every worker uses); switching takes effect within seconds. */
function Configurations(props: { configurations: AiConfiguration[]; canChange: boolean; model: string }) {
  return (
    <section aria-label="Configurations">
      <h2>Configurations</h2>
      <Table head={['Name', 'Model', 'Rate / min', 'At once', 'Prices changed', '']} id="configurations">
        {props.configurations.map((c) => (
          <tr>
            <td>
              {c.name} {c.active && <span class="pill good">active</span>}
            </td>
            <td>
              <code>{String(c.settings.model)}</code>
            </td>
            <td>{String(c.settings.requests_per_minute)}</td>
            <td>{String(c.settings.max_concurrency)}</td>
            <td>
              {Object.keys(c.prices).length
                ? Object.entries(c.prices)
                    .map(([k, v]) => `${k} $${v}`)
                    .join(', ')
                : 'list prices'}
            </td>
            <td>
              {props.canChange && !c.active && (
                <div class="inline">
                  <form method="post" action={`/settings/ai/configurations/${c.id}/activate`} class="inline">
                    <button type="submit">Activate</button>
                  </form>
                  <form method="post" action={`/settings/ai/configurations/${c.id}/delete`} class="inline">
                    <button type="submit">Delete</button>
                  </form>
                </div>
              )}
            </td>
          </tr>
        ))}
      </Table>
      {props.canChange && (
        <form method="post" action="/settings/ai/configurations" class="card">
          <h3>New configuration</h3>
          <p class="muted">It starts with the active configuration's values; activate it to use it, then change it above.</p>
          <Field name="name" label="Name" required />
          <ModelChoice current={props.model} />
          <button type="submit">Add configuration</button>
        </form>
      )}
    </section>
  )
}

import type { PageContext } from '../src/http/page-context'
import { Layout } from './Layout'

export type CallsEstimate = { calls: number; input_tokens: number; output_tokens: number; cost_usd: number }

/**
 * What a run of Claude calls will cost, shown before it starts (chunk analysis, the grounding
 * judge); confirming posts the same fields again with `confirmed=true`. Works without JavaScript.
 */
export function EstimateConfirmPage(props: {
  ctx: PageContext
  title: string
  question: string
  estimate: CallsEstimate
  model: string
  action: string
  fields: [name: string, value: string][]
  submit: string
  back: { href: string; label: string }
}) {
  const { estimate } = props
  return (
    <Layout ctx={props.ctx} title={props.title}>
      <h1>{props.question}</h1>
      <dl class="estimate">
        <dt>Claude calls</dt>
        <dd>{estimate.calls}</dd>
        <dt>Input tokens (about)</dt>
        <dd>{estimate.input_tokens}</dd>
        <dt>Output tokens (about)</dt>
        <dd>{estimate.output_tokens}</dd>
        <dt>Estimated cost with {props.model}</dt>
        <dd>${estimate.cost_usd.toFixed(4)}</dd>
      </dl>
      <form method="post" action={props.action} class="confirm">
        {props.fields.map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name="confirmed" value="true" />
        <button type="submit" class="primary" disabled={estimate.calls === 0}>
          {props.submit}
        </button>{' '}
        <a href={props.back.href}>{props.back.label}</a>
      </form>
    </Layout>
  )
}

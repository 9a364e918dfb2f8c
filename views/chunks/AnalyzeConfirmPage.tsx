import type { AnalysisEstimate, AnalysisTarget } from '../../src/chunks/analysis'
import type { PageContext } from '../../src/http/page-context'
import { Layout } from '../Layout'

/** What an analysis will cost, shown before it runs; confirming posts the same target again. */
export function AnalyzeConfirmPage(props: { ctx: PageContext; target: AnalysisTarget; estimate: AnalysisEstimate; model: string }) {
  const { target, estimate } = props
  return (
    <Layout ctx={props.ctx} title="Analyze chunks">
      <h1>Analyze {estimate.calls === 1 ? 'one chunk' : `${estimate.calls} chunks`}?</h1>
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
      <form method="post" action="/chunks/analyze" class="confirm">
        {'document_id' in target ? (
          <input type="hidden" name="document_id" value={target.document_id} />
        ) : (
          target.chunk_ids.map((id) => <input type="hidden" name="chunk_ids" value={id} />)
        )}
        <input type="hidden" name="confirmed" value="true" />
        <button type="submit" class="primary">
          Analyze
        </button>{' '}
        <a href={'document_id' in target ? `/chunks?document_id=${target.document_id}` : '/chunks'}>Back to the chunks</a>
      </form>
    </Layout>
  )
}

import type { Summary } from '../../src/conversations/summary'
import type { PageContext } from '../../src/http/page-context'
import { Layout } from '../Layout'
import { SummaryCards } from './SummaryCards'

/** The summary cards on their own page, for browsers without JavaScript. */
export function SummaryPage(props: { ctx: PageContext; summary: Summary; params: string }) {
  return (
    <Layout ctx={props.ctx} title="Summary">
      <p>
        <a href={`/?${props.params}`}>← Conversations</a>
      </p>
      <h1>Summary</h1>
      <SummaryCards summary={props.summary} />
    </Layout>
  )
}

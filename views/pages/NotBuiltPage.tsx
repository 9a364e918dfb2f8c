import type { PageContext } from '../../src/http/page-context'
import { Layout } from '../Layout'

/** The navigation is complete from day one; areas still being built say so plainly. */
export function NotBuiltPage(props: { ctx: PageContext; title: string; description: string }) {
  return (
    <Layout ctx={props.ctx} title={props.title}>
      <h1>{props.title}</h1>
      <p>{props.description}</p>
      <p class="muted">This area is not built yet.</p>
    </Layout>
  )
}

import type { PageContext } from '../../src/http/page-context'
import { Layout } from '../Layout'

export function DashboardPage(props: { ctx: PageContext }) {
  const user = props.ctx.user!
  return (
    <Layout ctx={props.ctx} title="Dashboard">
      <h1>Dashboard</h1>
      <p>
        Signed in as <strong>{user.email}</strong> ({user.role}).
      </p>
      <p class="muted">Conversations, their statistics and bulk actions will appear here.</p>
    </Layout>
  )
}

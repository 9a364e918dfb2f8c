import type { PageContext } from '../../src/http/page-context'
import type { Notification } from '../../src/notifications/notify'
import { when } from '../format'
import { Layout } from '../Layout'

const KIND_LABELS: Record<Notification['kind'], string> = { batch_done: 'Batch finished', export_ready: 'Export ready', review_needed: 'Review needed' }

export function NotificationsPage(props: { ctx: PageContext; items: Notification[]; unread: number }) {
  return (
    <Layout ctx={props.ctx} title="Notifications">
      <h1>Notifications</h1>
      <p class="muted">
        {props.unread === 0 ? 'Nothing unread.' : `${props.unread} unread.`} Choose what you are told about in <a href="/settings/preferences">Preferences</a>.
      </p>
      {props.unread > 0 && (
        <form method="post" action="/notifications/read-all" hx-post="/notifications/read-all" class="inline">
          <button type="submit">Mark all as read</button>
        </form>
      )}
      {props.items.length === 0 ? (
        <p class="muted">No notifications yet: finished batches, ready exports and a long review queue show up here.</p>
      ) : (
        <ul class="notifications">
          {props.items.map((n) => (
            <li class={n.read_at ? 'read' : 'unread'}>
              <form method="post" action={`/notifications/${n.id}/read`} class="inline">
                <span class="pill">{KIND_LABELS[n.kind]}</span>
                <button type="submit" class="link-button">
                  {n.message}
                </button>
                <span class="muted">{when(n.created_at)}</span>
              </form>
            </li>
          ))}
        </ul>
      )}
    </Layout>
  )
}

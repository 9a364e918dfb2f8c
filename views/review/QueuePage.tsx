import { TIERS } from '../../src/db/schema'
import type { PageContext } from '../../src/http/page-context'
import { ORDER_LABELS, type QueueItem, queueParams, REVIEW_ORDERS, type ReviewQueue } from '../../src/review/queue'
import { count, score, when } from '../format'
import { Layout } from '../Layout'
import { LoadMore } from '../Pager'
import { EmptyRow, Table } from '../Table'
import { ReviewNav } from './ReviewNav'

type Source = { id: string; name: string }
export type QueuePageProps = {
  ctx: PageContext
  queue: ReviewQueue
  page: { items: QueueItem[]; next_cursor: string | null }
  sources: { templates: Source[]; batches: Source[] }
  /** Pending conversations in this queue (counted up to a cap; `more` past it). */
  pending: { total: number; more: boolean }
}

/** The review queue: filters and order, the first page of pending conversations, and the way in. */
export function QueuePage(props: QueuePageProps) {
  const { queue } = props
  const qs = queueParams(queue)
  return (
    <Layout ctx={props.ctx} title="Review queue">
      <link rel="stylesheet" href="/static/review.css" />
      <ReviewNav ctx={props.ctx} />
      <h1>Review queue</h1>
      {/* The way in comes first, and has the keyboard when the page opens: Enter starts reviewing. */}
      <p class="queue-start">
        <a class="button primary" href={`/review/next${qs}`} autofocus>
          Start reviewing
        </a>{' '}
        <span class="pending-count" role="status">
          <strong>
            {count(props.pending.total)}
            {props.pending.more && '+'}
          </strong>{' '}
          {props.pending.total === 1 && !props.pending.more ? 'conversation' : 'conversations'} pending review
        </span>
      </p>
      <form method="post" action="/review/queue" class="queue-filters">
        <label>
          Order{' '}
          <select name="order">
            {REVIEW_ORDERS.map((o) => (
              <option value={o} selected={o === queue.order}>
                {ORDER_LABELS[o]}
              </option>
            ))}
          </select>
        </label>
        <label for="q-template_id">
          Template <SourceSelect name="template_id" value={queue.template_id} sources={props.sources.templates} />
        </label>
        <label for="q-batch_id">
          Batch <SourceSelect name="batch_id" value={queue.batch_id} sources={props.sources.batches} />
        </label>
        <fieldset class="inline-set">
          <legend>Tier</legend>
          {TIERS.map((tier) => (
            <label>
              <input type="checkbox" name="tier" value={tier} checked={queue.tier?.includes(tier)} /> {tier}
            </label>
          ))}
        </fieldset>
        <label>
          Quality from <input type="number" name="quality_min" min="0" max="10" step="0.1" value={queue.quality_min?.toString()} />
        </label>
        <label>
          to <input type="number" name="quality_max" min="0" max="10" step="0.1" value={queue.quality_max?.toString()} />
        </label>
        <button type="submit">Apply</button>
      </form>
      <Table head={['Title', 'Tier', 'Quality', 'Template', 'Turns', 'Created', '']} bodyId="queue-rows">
        <QueueRows queue={queue} page={props.page} />
      </Table>
    </Layout>
  )
}

function SourceSelect(props: { name: string; value?: string; sources: Source[] }) {
  return (
    <select name={props.name} id={`q-${props.name}`}>
      <option value="">All</option>
      {props.sources.map((s) => (
        <option value={s.id} selected={s.id === props.value}>
          {s.name}
        </option>
      ))}
    </select>
  )
}

/** One page of queue rows and, when there is more, the row that loads the next page in its place. */
export function QueueRows(props: { queue: ReviewQueue; page: QueuePageProps['page'] }) {
  const qs = queueParams(props.queue)
  const more = props.page.next_cursor && `/review${queueParams(props.queue, { after: props.page.next_cursor })}`
  return (
    <>
      {props.page.items.length === 0 && <EmptyRow columns={7}>Nothing is waiting for review with these filters.</EmptyRow>}
      {props.page.items.map((item) => (
        <tr data-id={item.id}>
          <td>
            <a href={`/review/${item.id}${qs}`}>{item.title || 'Untitled'}</a>
            <div class="muted small">{[item.persona, item.emotion, item.topic].filter(Boolean).join(' · ')}</div>
          </td>
          <td>{item.tier}</td>
          <td>{score(item.quality_score)}</td>
          <td>{item.template_name ?? '—'}</td>
          <td>{item.turn_count}</td>
          <td>{when(item.created_at)}</td>
          <td>{item.claimed_by && <span class="pill">with {item.claimed_by}</span>}</td>
        </tr>
      ))}
      {more && (
        <LoadMore href={more} get={more} columns={7}>
          Load more
        </LoadMore>
      )}
    </>
  )
}

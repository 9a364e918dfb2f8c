import type { Summary } from '../../src/conversations/summary'
import { type ConversationStatus, TIERS } from '../../src/db/schema'
import { APPROVAL_RATE_DEFINITION } from '../../src/review/approval-rate'
import { count, money, percent, STATUS_LABELS } from '../format'

/**
 * The cards above the table and the row count, for the current filter. The dashboard loads them
 * right after the table (an aggregate over every match costs more than a page of rows).
 */
export function SummaryCards(props: { summary: Summary }) {
  const s = props.summary
  return (
    <section id="summary" class="summary" aria-label="Summary">
      <p class="row-count" role="status">
        <strong>{count(s.total)}</strong> {s.total === 1 ? 'conversation' : 'conversations'} match
      </p>
      <div class="cards">
        <div class="card">
          <h3>By status</h3>
          <ul>
            {Object.entries(s.byStatus).map(([status, n]) => (
              <li>
                {STATUS_LABELS[status as ConversationStatus]}: <strong>{count(n)}</strong>
              </li>
            ))}
          </ul>
        </div>
        <div class="card">
          <h3>By tier</h3>
          <ul>
            {TIERS.map((tier) => (
              <li>
                {tier}: <strong>{count(s.byTier[tier] ?? 0)}</strong>
              </li>
            ))}
          </ul>
        </div>
        <div class="card">
          <h3>Average quality</h3>
          <p class="figure">{s.averageQuality === null ? '—' : s.averageQuality.toFixed(2)}</p>
        </div>
        <div class="card">
          <h3>Approval rate</h3>
          <p class="figure">{percent(s.approvalRate)}</p>
          <p class="muted small">{APPROVAL_RATE_DEFINITION}</p>
        </div>
        <div class="card">
          <h3>Spend</h3>
          <p class="figure">{money(s.spendUsd)}</p>
        </div>
      </div>
    </section>
  )
}

/** Where the cards will appear: fetched as soon as the page (or a new filter) is shown; a link without JS. */
export function SummaryPlaceholder(props: { params: string }) {
  const url = `/conversations/summary${props.params ? `?${props.params}` : ''}`
  return (
    <section id="summary" class="summary" aria-label="Summary" hx-get={url} hx-trigger="load" hx-swap="outerHTML">
      <p class="row-count muted">
        <a href={url}>Counting matching conversations…</a>
      </p>
    </section>
  )
}

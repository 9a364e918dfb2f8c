import type { FilterChoices } from '../../src/conversations/filter'
import type { Coverage, CoverageQuery } from '../../src/coverage/coverage'
import { type PageContext, userCan } from '../../src/http/page-context'
import { StatusChecks } from '../conversations/StatusChecks'
import { count } from '../format'
import { Layout } from '../Layout'

/**
 * A dataset's coverage as a heat map: personas down, emotions across, for one topic or all, each
 * cell tinted by its count. The heat map is a plain table (its numbers are its content, so screen
 * readers and browsers without JavaScript read it as it is); an empty cell links editors to the
 * generate page filled in for that cell.
 */
export function CoveragePage(props: { ctx: PageContext; coverage: Coverage; query: CoverageQuery; choices: FilterChoices }) {
  const { coverage, query } = props
  const canGenerate = userCan(props.ctx, 'edit')
  const topicName = coverage.topic === null ? 'all topics' : shown(coverage.topic)
  const empty = coverage.personas.reduce((n, p) => n + coverage.emotions.filter((e) => !coverage.counts[p]?.[e]).length, 0)
  return (
    <Layout ctx={props.ctx} title="Coverage">
      <link rel="stylesheet" href="/static/charts.css" />
      <h1>Coverage</h1>
      <p class="muted">
        How many conversations each persona, emotion and topic combination has, so the gaps stand out. Cancelled conversations count only when their status is
        ticked.
      </p>
      <form method="get" action="/coverage" class="filters card" id="coverage-filters">
        <div class="field">
          <label for="cov-template">Template</label>
          <select id="cov-template" name="template_id">
            <option value="">Any</option>
            {props.choices.templates.map((t) => (
              <option value={t.id} selected={t.id === query.template_id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="cov-batch">Batch</label>
          <select id="cov-batch" name="batch_id">
            <option value="">Any</option>
            {props.choices.batches.map((b) => (
              <option value={b.id} selected={b.id === query.batch_id}>
                {b.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="cov-topic">Topic</label>
          <select id="cov-topic" name="topic">
            <option value="">All topics</option>
            {coverage.topics.map((t) => (
              <option value={t.topic} selected={t.topic === coverage.topic}>
                {shown(t.topic)} ({count(t.count)})
              </option>
            ))}
          </select>
        </div>
        <StatusChecks checked={query.status} class="chips" />
        <div class="actions">
          <button type="submit" class="primary">
            Show
          </button>
          <a href="/coverage">Clear</a>
        </div>
      </form>

      <h2 id="heatmap-title">
        Personas × emotions, {topicName}: {count(coverage.total)} conversations in all
      </h2>
      {coverage.personas.length === 0 || coverage.emotions.length === 0 ? (
        <p class="muted">No conversations match these filters yet.</p>
      ) : (
        <>
          <p class="heat-legend">
            <span>
              <span class="swatch" style="background: var(--bad-bg)" /> none yet
              {canGenerate ? ': its + opens the generate page filled in for that cell' : ''}
            </span>
            <span>
              <span class="swatch" style="--heat: 0.15; background: color-mix(in srgb, var(--accent) 7%, transparent)" /> few
            </span>
            <span>
              <span class="swatch" style="background: color-mix(in srgb, var(--accent) 45%, transparent)" /> most ({count(coverage.max)})
            </span>
            <span>{count(empty)} empty cells</span>
          </p>
          <div class="table-scroll">
            <table class="heatmap" id="coverage-heatmap" aria-labelledby="heatmap-title">
              <thead>
                <tr>
                  <th scope="col">Persona \ emotion</th>
                  {coverage.emotions.map((e) => (
                    <th scope="col">{shown(e)}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {coverage.personas.map((persona) => (
                  <tr>
                    <th scope="row">{shown(persona)}</th>
                    {coverage.emotions.map((emotion) => {
                      const n = coverage.counts[persona]?.[emotion] ?? 0
                      if (n > 0) {
                        const heat = n / Math.max(1, coverage.max)
                        return (
                          <td style={`--heat: ${heat.toFixed(3)}`} data-persona={persona} data-emotion={emotion}>
                            {count(n)}
                          </td>
                        )
                      }
                      return (
                        <td class="empty" data-persona={persona} data-emotion={emotion}>
                          {canGenerate ? (
                            <a href={generateLink(query.template_id, { persona, emotion, topic: coverage.topic ?? '' })}>
                              0 +<span class="visually-hidden">{`: none yet, generate for ${shown(persona)}, ${shown(emotion)}, ${topicName}`}</span>
                            </a>
                          ) : (
                            '0'
                          )}
                        </td>
                      )
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Layout>
  )
}

/** A value as the page shows it: conversations from a template alone have none. */
const shown = (value: string) => value || '(none)'

/** /generate with the cell's values in its grid (blank values left out, so the grid does not ask for them). */
export function generateLink(templateId: string | undefined, cell: { persona: string; emotion: string; topic: string }): string {
  const params = new URLSearchParams()
  if (templateId) params.set('template_id', templateId)
  if (cell.persona) params.set('grid_persona', cell.persona)
  if (cell.emotion) params.set('grid_emotion', cell.emotion)
  if (cell.topic) params.set('grid_topic', cell.topic)
  return `/generate?${params}`
}

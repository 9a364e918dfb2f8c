import { DIMENSION_GROUPS, DIMENSIONS, type DimensionGroup } from '../../src/chunks/dimensions'
import type { ChunkDetail as Chunk } from '../../src/chunks/queries'

/** A chunk's whole text and every dimension's score and confidence: the side panel, and the body of its own page. */
export function ChunkDetail(props: { chunk: Chunk }) {
  const { chunk } = props
  const source = chunk.dimension_source
  return (
    <article class="chunk-detail" aria-label="Chunk">
      <h2>
        {chunk.document_title}
        {chunk.heading_path.length > 0 && <small> › {chunk.heading_path.join(' › ')}</small>}
      </h2>
      <p class="muted">
        Chunk #{chunk.ordinal + 1} · {chunk.tokens} tokens · characters {chunk.char_start}–{chunk.char_end} ·{' '}
        <a href={`/chunks?document_id=${chunk.document_id}`}>all chunks of this document</a>
      </p>
      <pre class="chunk-text">{chunk.text}</pre>
      {source ? (
        <>
          <h3>Complexity {source.complexity} of 10</h3>
          <dl class="dimension-source">
            <dt>Personas</dt>
            <dd>{source.personas.map((d) => `${d.name} (${d.confidence})`).join(', ') || 'none'}</dd>
            <dt>Emotions</dt>
            <dd>{source.emotions.map((d) => `${d.name} (${d.confidence})`).join(', ') || 'none'}</dd>
            <dt>Topics</dt>
            <dd>{source.topics.map((d) => `${d.name} (${d.confidence})`).join(', ') || 'none'}</dd>
          </dl>
        </>
      ) : (
        <p class="muted">Not analysed yet.</p>
      )}
      {chunk.dimensions && (
        <table class="table dimensions">
          <thead>
            <tr>
              <th>Dimension</th>
              <th>Score</th>
              <th>Confidence</th>
            </tr>
          </thead>
          {(Object.keys(DIMENSION_GROUPS) as DimensionGroup[]).map((group) => (
            <tbody>
              <tr>
                <th colspan={3}>{DIMENSION_GROUPS[group]}</th>
              </tr>
              {DIMENSIONS.filter((d) => d.group === group).map((d) => {
                const score = chunk.dimensions?.[d.name]
                return (
                  <tr>
                    <td title={d.description}>{d.name}</td>
                    <td>
                      <meter min={0} max={1} value={score?.score ?? 0}></meter> {score?.score.toFixed(2)}
                    </td>
                    <td>{score?.confidence.toFixed(2)}</td>
                  </tr>
                )
              })}
            </tbody>
          ))}
        </table>
      )}
    </article>
  )
}

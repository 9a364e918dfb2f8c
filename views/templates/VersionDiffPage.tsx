import type { PageContext } from '../../src/http/page-context'
import type { FieldDiff } from '../../src/templates/diff'
import type { Template } from '../../src/templates/queries'
import { Layout } from '../Layout'

const LINE_STYLE = {
  same: 'color: var(--muted)',
  added: 'background: #ebfbee; color: #2b8a3e',
  removed: 'background: #fff5f5; color: #c92a2a',
} as const
const MARK = { same: ' ', added: '+', removed: '-' } as const

/** Two versions of a template, field by field, as line diffs. */
export function VersionDiffPage(props: { ctx: PageContext; template: Template; from: number; to: number; diffs: FieldDiff[] }) {
  const { template } = props
  const changed = props.diffs.filter((diff) => diff.changed)
  return (
    <Layout ctx={props.ctx} title={`${template.name}: v${props.from} → v${props.to}`}>
      <p>
        <a href={`/templates/${template.id}`}>← {template.name}</a>
      </p>
      <h1>
        v{props.from} → v{props.to}
      </h1>
      {changed.length === 0 ? (
        <p class="notice">These versions are identical.</p>
      ) : (
        changed.map((diff) => (
          <section class="card" data-field={diff.field}>
            <h2>{diff.field}</h2>
            <pre style="white-space: pre-wrap; margin: 0">
              {diff.lines.map((line) => (
                <div class={`diff-${line.kind}`} style={LINE_STYLE[line.kind]}>
                  {MARK[line.kind]} {line.text}
                </div>
              ))}
            </pre>
          </section>
        ))
      )}
      {changed.length > 0 && changed.length < props.diffs.length && (
        <p class="muted">
          Unchanged:{' '}
          {props.diffs
            .filter((diff) => !diff.changed)
            .map((diff) => diff.field)
            .join(', ')}
          .
        </p>
      )}
    </Layout>
  )
}

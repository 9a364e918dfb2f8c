import type { Preview } from '../../src/exports/create'
import { FormError } from '../Field'

/** The count in scope and the file's first records, swapped in as the form changes. */
export function ExportPreview(props: { preview?: Preview; error?: string }) {
  const { preview } = props
  return (
    <section id="export-preview" class="card" aria-live="polite">
      <h2>Preview</h2>
      <FormError message={props.error} />
      {preview && (
        <>
          <p>
            <strong>{preview.count}</strong> conversation{preview.count === 1 ? '' : 's'} in scope.
            {preview.count === 0 && ' There is nothing to export: widen the filter, or approve some conversations first.'}
          </p>
          {preview.text && (
            // Focusable: a region that scrolls must scroll from the keyboard too.
            <pre class="preview scroll-box" tabindex={0}>
              {preview.text}
            </pre>
          )}
          {preview.refused.length > 0 && (
            <ul class="warnings">
              {preview.refused.map((item) => (
                <li>
                  {item.title || item.id} will be left out: {item.problems.join('; ')}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  )
}

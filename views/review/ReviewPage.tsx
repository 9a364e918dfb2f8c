import type { PageContext } from '../../src/http/page-context'
import { Layout } from '../Layout'
import { ReviewNav } from './ReviewNav'
import { ReviewScreen, type ReviewScreenProps } from './ReviewScreen'

/** The review screen as a whole page; htmx requests get the ReviewScreen fragment alone. */
export function ReviewPage(props: ReviewScreenProps & { ctx: PageContext }) {
  const { ctx, ...screen } = props
  return (
    <Layout ctx={ctx} title={screen.item ? `Review: ${screen.item.title}` : 'Review'}>
      <link rel="stylesheet" href="/static/review.css" />
      <ReviewNav ctx={ctx} />
      <ReviewScreen {...screen} />
      <script src="/static/review.js" defer></script>
    </Layout>
  )
}

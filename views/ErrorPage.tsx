import type { PageContext } from '../src/http/page-context'
import { Layout } from './Layout'

const TITLES: Record<number, string> = {
  400: 'That request was not valid',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Page not found',
  409: 'Changed by someone else',
  410: 'Gone',
  413: 'Too large',
  415: 'Not a type we read',
  422: 'Not what it claims to be',
  429: 'Slow down',
  503: 'Temporarily unavailable',
}

type ErrorProps = {
  ctx: PageContext
  status: number
  message: string
  /** An unexpected error's entry in the error log: quoted to an admin, and its details page. */
  reference?: string | undefined
}

/** What went wrong and where to go next: the body of the error page, and alone the fragment htmx swaps into #main. */
export function ErrorPanel(props: ErrorProps) {
  const title = TITLES[props.status] ?? 'Something went wrong'
  return (
    <section class="error-page" role="alert">
      <h1>{title}</h1>
      <p>{props.message}</p>
      <p class="muted">Error {props.status}</p>
      {props.reference && (
        <p class="error-reference">
          Reference <a href={`/errors/${props.reference}`}>{props.reference}</a>
        </p>
      )}
      <p>{props.ctx.user ? <a href="/">Back to the dashboard</a> : <a href="/login">Sign in</a>}</p>
    </section>
  )
}

export function ErrorPage(props: ErrorProps) {
  return (
    <Layout ctx={props.ctx} title={TITLES[props.status] ?? 'Something went wrong'}>
      <ErrorPanel {...props} />
    </Layout>
  )
}

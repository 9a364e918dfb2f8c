import type { PageContext } from '../src/http/page-context'
import { Layout } from './Layout'

const TITLES: Record<number, string> = {
  400: 'That request was not valid',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Page not found',
  409: 'Changed by someone else',
  413: 'Too large',
  429: 'Slow down',
  503: 'Temporarily unavailable',
}

export function ErrorPage(props: { ctx: PageContext; status: number; message: string }) {
  const title = TITLES[props.status] ?? 'Something went wrong'
  return (
    <Layout ctx={props.ctx} title={title}>
      <section class="error-page">
        <h1>{title}</h1>
        <p>{props.message}</p>
        <p class="muted">Error {props.status}</p>
        <p>
          {props.ctx.user ? <a href="/">Back to the dashboard</a> : <a href="/login">Sign in</a>}
        </p>
      </section>
    </Layout>
  )
}

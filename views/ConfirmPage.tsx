import type { Child } from 'hono/jsx'
import type { PageContext } from '../src/http/page-context'
import { Layout } from './Layout'

/**
 * "Cancel this batch?": what will happen, one button that posts `confirmed=true` to the same action
 * (with `fields`, the hidden inputs the action needs besides), and a way back.
 */
export function ConfirmPage(props: {
  ctx: PageContext
  title: string
  action: string
  confirm: string
  back: string
  backLabel: string
  fields?: Child
  children?: Child
}) {
  return (
    <Layout ctx={props.ctx} title={props.title}>
      <h1>{props.title}</h1>
      {props.children}
      <form method="post" action={props.action} class="confirm">
        {props.fields ?? <input type="hidden" name="confirmed" value="true" />}
        <button type="submit" class="primary">
          {props.confirm}
        </button>{' '}
        <a href={props.back}>{props.backLabel}</a>
      </form>
    </Layout>
  )
}

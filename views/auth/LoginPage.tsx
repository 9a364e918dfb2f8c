import type { PageContext } from '../../src/http/page-context'
import { Field, FormError } from '../Field'
import { Layout } from '../Layout'

export function LoginPage(props: { ctx: PageContext; email?: string; next?: string; error?: string; fields?: Record<string, string> }) {
  return (
    <Layout ctx={props.ctx} title="Sign in">
      <section class="card narrow">
        <h1>Sign in</h1>
        <FormError message={props.error} />
        <form method="post" action="/login">
          {props.next && <input type="hidden" name="next" value={props.next} />}
          <Field name="email" label="Email" type="email" value={props.email} error={props.fields?.email} required autocomplete="username" autofocus />
          <Field name="password" label="Password" type="password" error={props.fields?.password} required autocomplete="current-password" />
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
      </section>
    </Layout>
  )
}

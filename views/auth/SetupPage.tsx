import type { PageContext } from '../../src/http/page-context'
import { Field, FormError, NewPasswordField } from '../Field'
import { Layout } from '../Layout'

export function SetupPage(props: { ctx: PageContext; values?: { email?: string; name?: string }; error?: string; fields?: Record<string, string> }) {
  return (
    <Layout ctx={props.ctx} title="Set up Train Data">
      <section class="card narrow">
        <h1>Welcome to Train Data</h1>
        <p>No one has an account yet. Create the first administrator; this page disappears once you have.</p>
        <FormError message={props.error} />
        <form method="post" action="/setup">
          <Field name="name" label="Your name" value={props.values?.name} error={props.fields?.name} autocomplete="name" />
          <Field name="email" label="Email" type="email" value={props.values?.email} error={props.fields?.email} required autocomplete="username" autofocus />
          <NewPasswordField label="Password (at least 8 characters)" error={props.fields?.password} />
          <button type="submit" class="primary">
            Create administrator
          </button>
        </form>
      </section>
    </Layout>
  )
}

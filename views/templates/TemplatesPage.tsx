import type { PageContext } from '../../src/http/page-context'
import type { TemplatePage } from '../../src/templates/queries'
import { when } from '../format'
import { Layout } from '../Layout'
import { LiveSearch } from '../LiveForm'
import { Notice } from '../Notice'
import { Pager } from '../Pager'
import { SubNav } from '../SubNav'
import { Table } from '../Table'

export type TemplateListFilter = { q: string; archived: boolean }

function nextHref(filter: TemplateListFilter, cursor: string): string {
  const params = new URLSearchParams({ cursor })
  if (filter.q) params.set('q', filter.q)
  if (filter.archived) params.set('archived', '1')
  return `/templates?${params}`
}

/** The rows of the list and the link to the next page: swapped alone by the search box. */
export function TemplateRows(props: { page: TemplatePage; filter: TemplateListFilter }) {
  const { page, filter } = props
  return (
    <div id="template-rows">
      {page.items.length === 0 ? (
        <p class="muted">{filter.q ? `No template matches “${filter.q}”.` : filter.archived ? 'No archived templates.' : 'No templates yet.'}</p>
      ) : (
        <Table head={['Name', 'Category', 'Tier', 'Version', 'Scenarios', 'Updated']}>
          {page.items.map((item) => (
            <tr data-template={item.name}>
              <td>
                <a href={`/templates/${item.id}`}>{item.name}</a>
                {item.archived_at && <span class="pill bad">archived</span>}
                {item.description && <div class="muted">{item.description.slice(0, 140)}</div>}
              </td>
              <td>{item.category}</td>
              <td>{item.target_tier}</td>
              <td>v{item.version}</td>
              <td>{item.scenario_count}</td>
              <td>{when(item.updated_at)}</td>
            </tr>
          ))}
        </Table>
      )}
      {page.next_cursor && <Pager href={nextHref(filter, page.next_cursor)}>Next page →</Pager>}
    </div>
  )
}

export function TemplatesPage(props: { ctx: PageContext; page: TemplatePage; filter: TemplateListFilter; canEdit: boolean; notice?: string }) {
  const { filter } = props
  return (
    <Layout ctx={props.ctx} title="Templates">
      <h1>Templates</h1>
      <Notice message={props.notice} />
      <SubNav
        ctx={props.ctx}
        label="Templates"
        items={[
          { href: '/templates', label: 'Active', current: !filter.archived },
          { href: '/templates?archived=1', label: 'Archived', current: filter.archived },
          props.canEdit && { href: '/templates/new', label: 'New template' },
        ]}
      />
      <LiveSearch action="/templates" class="inline" target="#template-rows">
        {filter.archived && <input type="hidden" name="archived" value="1" />}
        <input type="text" name="q" value={filter.q} placeholder="Search name, description, category" aria-label="Search templates" />
        <button type="submit">Search</button>
      </LiveSearch>
      <TemplateRows page={props.page} filter={filter} />
    </Layout>
  )
}

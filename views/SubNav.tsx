import type { Capability } from '../src/auth/roles'
import { type PageContext, userCan } from '../src/http/page-context'

/** A link of a navigation bar: shown to those with the capability; current when the page is at its path (or says so). */
export type NavItem = { href: string; label: string; needs?: Capability; current?: boolean }

/** The links under a page's heading that move between the pages of one area (review, settings, a template's list); false leaves one out. */
export function SubNav(props: { ctx: PageContext; label: string; items: (NavItem | false)[] }) {
  return (
    <nav class="subnav" aria-label={props.label}>
      <NavLinks ctx={props.ctx} items={props.items} />
    </nav>
  )
}

export function NavLinks(props: { ctx: PageContext; items: (NavItem | false)[] }) {
  return (
    <>
      {props.items
        .filter((item): item is NavItem => item !== false && (item.needs === undefined || userCan(props.ctx, item.needs)))
        .map((item) => (
          <a href={item.href} aria-current={(item.current ?? props.ctx.path === item.href) ? 'page' : undefined}>
            {item.label}
          </a>
        ))}
    </>
  )
}

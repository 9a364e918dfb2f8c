import type { Role } from '../db/schema'

/** What each capability needs; admin can do everything. */
const CAPABILITIES = {
  view: ['admin', 'editor', 'reviewer', 'viewer'],
  edit: ['admin', 'editor'],
  review: ['admin', 'reviewer'],
  admin: ['admin'],
} as const satisfies Record<string, readonly Role[]>

export type Capability = keyof typeof CAPABILITIES

export function can(role: Role, capability: Capability): boolean {
  return (CAPABILITIES[capability] as readonly Role[]).includes(role)
}

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  admin: 'Everything, including users and settings',
  editor: 'Templates, generation and exports',
  reviewer: 'The review queue',
  viewer: 'Read only',
}

/**
 * The dashboard table's optional columns (the selection box and the title are always shown), in
 * their order on the page. A user picks which to show; the choice is kept in their preferences.
 * Persona, emotion, topic and template read as a short line under the title when their own
 * columns are hidden, so nothing is lost by hiding them.
 */
export const DASHBOARD_COLUMNS = [
  'tier',
  'status',
  'quality',
  'persona',
  'emotion',
  'topic',
  'template',
  'turns',
  'tokens',
  'cost',
  'created',
  'reviewed',
  'version',
] as const
export type DashboardColumn = (typeof DASHBOARD_COLUMNS)[number]

/** What fits 1280 px: the descriptive columns ride under the title instead. */
export const DEFAULT_DASHBOARD_COLUMNS: DashboardColumn[] = ['tier', 'status', 'quality', 'turns', 'tokens', 'cost', 'created', 'reviewed', 'version']

export const COLUMN_LABELS: Record<DashboardColumn, string> = {
  tier: 'Tier',
  status: 'Status',
  quality: 'Quality',
  persona: 'Persona',
  emotion: 'Emotion',
  topic: 'Topic',
  template: 'Template',
  turns: 'Turns',
  tokens: 'Tokens',
  cost: 'Cost',
  created: 'Created',
  reviewed: 'Reviewed',
  version: 'Version',
}

/** Figures are right-aligned. */
export const NUMERIC_COLUMNS = new Set<DashboardColumn>(['quality', 'turns', 'tokens', 'cost', 'version'])

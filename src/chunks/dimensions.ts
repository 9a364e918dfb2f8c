import { z } from 'zod'

/**
 * The fixed set of dimensions a chunk is analysed on: who would ask about this text, how they
 * would feel, what they would ask about, how hard the text is, its domain and its risks. Claude
 * (or the simulator) scores each 0–1 with a confidence 0–1. Names are stable identifiers: they
 * are stored with every analysis and used in chunk filters, so add new ones rather than renaming.
 */
export const DIMENSION_GROUPS = {
  persona: 'Who would ask about this text',
  emotion: 'How they are likely to feel',
  topic: 'What they would ask about, and why',
  complexity: 'What makes the text hard to understand or apply',
  domain: 'The field the text belongs to',
  risk: 'What could go wrong for the asker or the business',
} as const

export type DimensionGroup = keyof typeof DIMENSION_GROUPS

export type DimensionDefinition = { name: string; group: DimensionGroup; description: string }

const define = <const N extends string>(group: DimensionGroup, entries: readonly (readonly [N, string])[]) =>
  entries.map(([name, description]) => ({ name, group, description }))

export const DIMENSIONS = [
  ...define('persona', [
    ['customer', 'An existing customer asking about something they bought or use.'],
    ['prospective_customer', 'Someone deciding whether to buy, comparing options or prices.'],
    ['new_user', 'A newcomer getting started who does not know the vocabulary yet.'],
    ['power_user', 'An experienced user after advanced features, limits or shortcuts.'],
    ['administrator', 'Someone who configures the product or manages other users and permissions.'],
    ['developer', 'A programmer integrating through an API, SDK, webhook or code.'],
    ['support_agent', 'A support or service agent looking up the answer for someone else.'],
    ['manager', 'A team lead or manager deciding, approving or reporting.'],
    ['employee', 'Staff asking about their own job, pay, leave or internal process.'],
    ['compliance_officer', 'Someone checking rules, audits, regulation or legal obligations.'],
  ]),
  ...define('emotion', [
    ['calm', 'Asks in a neutral, matter-of-fact way.'],
    ['curious', 'Interested and exploring, wants to learn more.'],
    ['confused', 'Does not understand the rules, terms or steps.'],
    ['frustrated', 'Annoyed that something failed, is slow or keeps going wrong.'],
    ['anxious', 'Worried about losing money, access, data or a deadline.'],
    ['impatient', 'Wants an answer or a fix right now.'],
    ['angry', 'Upset and complaining, may feel wronged or cheated.'],
    ['skeptical', 'Doubts the claims, the price or the promise.'],
    ['hopeful', 'Expects a good outcome, an exception or a solution.'],
    ['grateful', 'Appreciative, thanking or pleased with the service.'],
  ]),
  ...define('topic', [
    ['how_to', 'How to do something: instructions, steps or usage.'],
    ['troubleshooting', 'Something is broken or failing: errors, bugs, outages.'],
    ['account_access', 'Signing in, passwords, locked accounts, verification.'],
    ['billing', 'Invoices, charges, payment methods, receipts.'],
    ['pricing', 'What things cost: plans, tiers, discounts, quotes.'],
    ['refund_return', 'Getting money back, returns, exchanges.'],
    ['cancellation', 'Cancelling, ending a subscription or contract, closing an account.'],
    ['shipping_delivery', 'Delivery times, tracking, couriers, addresses.'],
    ['policy_rules', 'What is allowed: terms, conditions, eligibility, policies.'],
    ['privacy_security', 'Personal data, privacy, security settings, breaches.'],
    ['integration_setup', 'Connecting to other systems: installation, configuration, APIs.'],
    ['product_comparison', 'Differences between products, plans or alternatives.'],
    ['complaint', 'Reporting poor service and asking for it to be put right.'],
    ['feature_request', 'Asking for something the product does not do yet.'],
  ]),
  ...define('complexity', [
    ['technical_depth', 'Needs technical understanding: systems, code, specialist mechanics.'],
    ['jargon_density', 'Uses acronyms, codes and specialist terms.'],
    ['multi_step_procedure', 'Describes a procedure with several ordered steps.'],
    ['prerequisite_knowledge', 'Assumes requirements or prior setup the reader must have.'],
    ['conditional_rules', 'Rules with conditions, exceptions and special cases.'],
    ['numerical_reasoning', 'Needs figures, dates, amounts, limits or calculations.'],
    ['ambiguity', 'Leaves room for interpretation: hedged, vague or discretionary.'],
    ['cross_references', 'Points elsewhere: other sections, documents or links.'],
  ]),
  ...define('domain', [
    ['software', 'Software products, apps, online services, IT.'],
    ['finance_banking', 'Banking, payments, loans, investments, accounting.'],
    ['healthcare', 'Health, medicine, clinics, patients, pharmacies.'],
    ['legal', 'Contracts, law, disputes, legal rights.'],
    ['insurance', 'Policies, claims, cover, premiums.'],
    ['retail_ecommerce', 'Shops, online orders, products, stock.'],
    ['telecom', 'Phone, mobile, broadband, network plans.'],
    ['travel_hospitality', 'Flights, hotels, bookings, restaurants.'],
    ['education', 'Schools, courses, students, exams.'],
    ['human_resources', 'Employment, hiring, payroll, leave, benefits.'],
  ]),
  ...define('risk', [
    ['personal_data', 'Involves personal or sensitive data about people.'],
    ['financial_loss', 'A wrong answer could cost someone money.'],
    ['health_safety', 'Bears on physical health or safety.'],
    ['legal_liability', 'Could create legal exposure or a binding commitment.'],
    ['regulatory_compliance', 'Governed by regulation, audits or mandatory rules.'],
    ['account_security', 'Could let someone lose control of or break into an account.'],
    ['vulnerable_user', 'The asker may be vulnerable: minors, hardship, distress.'],
    ['reputational', 'A poor answer could embarrass the business publicly.'],
  ]),
] as const satisfies readonly DimensionDefinition[]

export type DimensionName = (typeof DIMENSIONS)[number]['name']
export const DIMENSION_NAMES = DIMENSIONS.map((d) => d.name) as [DimensionName, ...DimensionName[]]

export const dimensionsIn = (group: DimensionGroup) => DIMENSIONS.filter((d) => d.group === group)

export const DimensionScore = z.object({
  score: z.number().min(0).max(1),
  confidence: z.number().min(0).max(1),
})
export type DimensionScore = z.infer<typeof DimensionScore>

/** One analysis of a chunk: every known dimension scored, nothing else (the check on Claude's output). */
export const DimensionAnalysis = z.record(z.enum(DIMENSION_NAMES), DimensionScore)
export type DimensionAnalysis = z.infer<typeof DimensionAnalysis>

/** The dimensions as Markdown, a table per group, for the README and the chunk browser's help. */
export function dimensionsMarkdown(): string {
  return (Object.entries(DIMENSION_GROUPS) as [DimensionGroup, string][])
    .map(([group, title]) => {
      const rows = dimensionsIn(group).map((d) => `| \`${d.name}\` | ${d.description} |`)
      return [`**${group}**: ${title}`, '', '| Dimension | Meaning |', '| --- | --- |', ...rows].join('\n')
    })
    .join('\n\n')
}

import { seededRandom } from '../random'
import { DIMENSIONS, type DimensionAnalysis, type DimensionName } from './dimensions'

/**
 * Dimension analysis without Claude, for the simulator (no API key) and tests: deterministic
 * (same text, same scores) and plausibly about the text. Each dimension has words that signal
 * it; its score grows with how often they occur per hundred words, plus a few shape signals
 * (numbered steps, figures, acronyms, links). A small jitter seeded by the text's hash keeps
 * unrelated dimensions from tying at zero. Confidence grows with the text's length.
 */
const SIGNALS: Record<DimensionName, string[]> = {
  customer: ['order', 'purchase', 'bought', 'my', 'receipt', 'customer', 'subscription', 'delivery', 'account'],
  prospective_customer: ['trial', 'demo', 'pricing', 'plan', 'compare', 'quote', 'buy', 'discount', 'offer'],
  new_user: ['start', 'started', 'first', 'welcome', 'basic', 'introduction', 'beginner', 'onboarding', 'sign', 'create'],
  power_user: ['advanced', 'shortcut', 'limit', 'bulk', 'automation', 'custom', 'api', 'keyboard', 'export'],
  administrator: ['admin', 'administrator', 'permission', 'role', 'configure', 'configuration', 'setting', 'user', 'workspace', 'policy'],
  developer: ['api', 'sdk', 'endpoint', 'json', 'code', 'request', 'response', 'webhook', 'token', 'library', 'function', 'deploy'],
  support_agent: ['agent', 'ticket', 'escalate', 'escalation', 'case', 'macro', 'queue', 'caller', 'script'],
  manager: ['manager', 'approve', 'approval', 'report', 'team', 'budget', 'review', 'decision', 'kpi'],
  employee: ['employee', 'staff', 'leave', 'holiday', 'payroll', 'salary', 'shift', 'colleague', 'handbook', 'benefit'],
  compliance_officer: ['compliance', 'audit', 'regulation', 'regulatory', 'gdpr', 'hipaa', 'policy', 'law', 'obligation', 'retention'],
  calm: ['information', 'overview', 'general', 'note', 'standard', 'usual', 'normally'],
  curious: ['new', 'feature', 'learn', 'discover', 'explore', 'why', 'how', 'option', 'tip'],
  confused: ['exception', 'unless', 'depend', 'depends', 'however', 'note', 'clarify', 'complicated', 'either'],
  frustrated: ['error', 'fail', 'failed', 'failure', 'problem', 'issue', 'delay', 'delayed', 'broken', 'again', 'still', 'slow'],
  anxious: ['lose', 'lost', 'risk', 'deadline', 'penalty', 'suspend', 'suspended', 'fraud', 'overdue', 'urgent', 'locked', 'breach'],
  impatient: ['immediately', 'urgent', 'asap', 'now', 'wait', 'waiting', 'hour', 'quickly', 'soon', 'delay'],
  angry: ['complaint', 'unacceptable', 'overcharged', 'wrong', 'charge', 'dispute', 'compensation', 'terrible', 'refuse'],
  skeptical: ['guarantee', 'claim', 'promise', 'proof', 'really', 'hidden', 'fee', 'fine', 'print', 'condition'],
  hopeful: ['exception', 'waive', 'waiver', 'goodwill', 'eligible', 'eligibility', 'approve', 'possible', 'may'],
  grateful: ['thank', 'thanks', 'appreciate', 'happy', 'pleased', 'glad', 'welcome', 'enjoy'],
  how_to: ['how', 'step', 'click', 'select', 'open', 'enter', 'go', 'follow', 'guide', 'instruction', 'set'],
  troubleshooting: ['error', 'fail', 'issue', 'problem', 'fix', 'troubleshoot', 'restart', 'reset', 'bug', 'crash', 'outage'],
  account_access: ['login', 'log', 'password', 'sign', 'locked', 'verification', 'verify', 'two-factor', '2fa', 'username', 'access'],
  billing: ['invoice', 'bill', 'billing', 'charge', 'payment', 'card', 'receipt', 'vat', 'tax', 'statement'],
  pricing: ['price', 'pricing', 'cost', 'plan', 'tier', 'discount', 'fee', 'quote', 'per', 'month', 'annual'],
  refund_return: ['refund', 'return', 'exchange', 'money', 'back', 'reimburse', 'credit', 'label'],
  cancellation: ['cancel', 'cancellation', 'terminate', 'termination', 'end', 'close', 'unsubscribe', 'notice', 'renewal'],
  shipping_delivery: ['ship', 'shipping', 'delivery', 'deliver', 'courier', 'tracking', 'parcel', 'package', 'dispatch', 'address'],
  policy_rules: ['policy', 'rule', 'terms', 'condition', 'eligible', 'eligibility', 'allowed', 'must', 'entitled', 'require'],
  privacy_security: ['privacy', 'data', 'personal', 'security', 'secure', 'encrypt', 'encryption', 'consent', 'breach', 'cookie'],
  integration_setup: ['integration', 'integrate', 'install', 'setup', 'connect', 'configure', 'plugin', 'api', 'sync', 'webhook'],
  product_comparison: ['compare', 'comparison', 'versus', 'vs', 'difference', 'better', 'alternative', 'tier', 'edition'],
  complaint: ['complaint', 'complain', 'dissatisfied', 'poor', 'unacceptable', 'escalate', 'ombudsman', 'feedback'],
  feature_request: ['request', 'roadmap', 'suggest', 'suggestion', 'idea', 'vote', 'missing', 'wish', 'future'],
  technical_depth: ['server', 'protocol', 'database', 'configuration', 'encryption', 'latency', 'algorithm', 'architecture', 'parameter'],
  jargon_density: ['acronym', 'abbreviation', 'terminology'],
  multi_step_procedure: ['step', 'first', 'then', 'next', 'finally', 'after', 'click', 'select', 'once'],
  prerequisite_knowledge: ['require', 'requires', 'required', 'prerequisite', 'before', 'ensure', 'must', 'need', 'already'],
  conditional_rules: ['if', 'unless', 'except', 'exception', 'only', 'provided', 'otherwise', 'whether', 'when'],
  numerical_reasoning: ['percent', 'total', 'calculate', 'rate', 'amount', 'limit', 'maximum', 'minimum', 'days'],
  ambiguity: ['may', 'might', 'usually', 'typically', 'generally', 'discretion', 'some', 'reasonable', 'case-by-case', 'appropriate'],
  cross_references: ['see', 'refer', 'section', 'appendix', 'above', 'below', 'page', 'link', 'chapter', 'article'],
  software: ['app', 'software', 'online', 'website', 'browser', 'download', 'update', 'version', 'cloud', 'api'],
  finance_banking: ['bank', 'loan', 'interest', 'transfer', 'account', 'mortgage', 'credit', 'investment', 'balance', 'payment'],
  healthcare: ['patient', 'doctor', 'clinic', 'medical', 'medicine', 'prescription', 'appointment', 'health', 'treatment', 'symptom'],
  legal: ['contract', 'law', 'legal', 'court', 'liability', 'agreement', 'clause', 'rights', 'jurisdiction', 'dispute'],
  insurance: ['insurance', 'policy', 'claim', 'cover', 'coverage', 'premium', 'excess', 'insured', 'deductible'],
  retail_ecommerce: ['order', 'shop', 'store', 'product', 'item', 'cart', 'checkout', 'stock', 'delivery', 'purchase'],
  telecom: ['mobile', 'phone', 'broadband', 'network', 'sim', 'roaming', 'data', 'signal', 'contract', 'router'],
  travel_hospitality: ['flight', 'hotel', 'booking', 'reservation', 'travel', 'check-in', 'luggage', 'room', 'guest', 'trip'],
  education: ['student', 'course', 'school', 'exam', 'teacher', 'class', 'grade', 'enrol', 'enrollment', 'lesson'],
  human_resources: ['employee', 'leave', 'payroll', 'salary', 'hiring', 'benefit', 'holiday', 'manager', 'contract', 'hr'],
  personal_data: ['personal', 'data', 'address', 'name', 'birth', 'email', 'phone', 'identity', 'passport', 'record'],
  financial_loss: ['charge', 'fee', 'penalty', 'fraud', 'loss', 'refund', 'payment', 'money', 'cost', 'debt'],
  health_safety: ['safety', 'injury', 'danger', 'hazard', 'health', 'emergency', 'medical', 'harm', 'warning', 'recall'],
  legal_liability: ['liability', 'liable', 'legal', 'contract', 'binding', 'warranty', 'indemnity', 'lawsuit', 'terms'],
  regulatory_compliance: ['regulation', 'compliance', 'gdpr', 'hipaa', 'pci', 'audit', 'regulator', 'licence', 'license', 'mandatory'],
  account_security: ['password', 'security', 'hack', 'phishing', 'two-factor', '2fa', 'locked', 'suspicious', 'breach', 'verify'],
  vulnerable_user: ['hardship', 'vulnerable', 'child', 'minor', 'bereavement', 'disability', 'elderly', 'debt', 'distress', 'crisis'],
  reputational: ['complaint', 'review', 'public', 'media', 'social', 'press', 'reputation', 'trust', 'brand', 'apology'],
}

/** refunds, refunded, refunding → refund; policies → policy. Enough to match signal words. */
function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3)
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2)
  if (word.length > 3 && word.endsWith('es') && !word.endsWith('ses')) return word.slice(0, -2)
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1)
  return word
}

/** Signal stem → the dimensions it signals, built once. */
const BY_STEM = new Map<string, DimensionName[]>()
for (const [name, words] of Object.entries(SIGNALS) as [DimensionName, string[]][]) {
  for (const word of words) {
    const key = stem(word)
    const names = BY_STEM.get(key) ?? []
    if (!names.includes(name)) names.push(name)
    BY_STEM.set(key, names)
  }
}

export function simulateDimensionAnalysis(text: string): DimensionAnalysis {
  const words = text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? []
  const hits = new Map<DimensionName, number>()
  const add = (name: DimensionName, n: number) => hits.set(name, (hits.get(name) ?? 0) + n)
  for (const word of words) for (const name of BY_STEM.get(stem(word)) ?? []) add(name, 1)

  // Shape signals a word list cannot see.
  add('multi_step_procedure', 2 * (text.match(/^\s*(\d+[.)]|step \d+)/gim)?.length ?? 0))
  add('numerical_reasoning', (text.match(/\d+(?:[.,]\d+)?\s*(%|percent)|[$€£]\s*\d/g)?.length ?? 0) + (text.match(/\d+/g)?.length ?? 0) / 2)
  add('jargon_density', text.match(/\b[A-Z]{2,6}s?\b|\b\w+_\w+\b|\b[a-z]+[A-Z]\w*\b/g)?.length ?? 0)
  add('technical_depth', words.filter((w) => w.length >= 12).length / 2)
  add('cross_references', text.match(/https?:\/\/|www\./g)?.length ?? 0)

  const random = seededRandom(text)
  const per100 = 100 / (words.length + 20)
  const lengthConfidence = Math.min(1, words.length / 150)
  const analysis = {} as DimensionAnalysis
  for (const { name } of DIMENSIONS) {
    const n = hits.get(name) ?? 0
    const jitter = (random() - 0.5) * 0.06
    analysis[name] = {
      score: round2(clamp(0.03 + 0.92 * (1 - Math.exp(-(n * per100) / 2.5)) + jitter)),
      confidence: round2(clamp(0.35 + 0.45 * lengthConfidence + (n > 0 ? 0.1 : 0) + (random() - 0.5) * 0.06)),
    }
  }
  return analysis
}

const clamp = (n: number) => Math.min(1, Math.max(0, n))
const round2 = (n: number) => Math.round(n * 100) / 100

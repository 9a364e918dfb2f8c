import { createHash, randomUUID } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import { DEFAULT_CHUNK_OPTIONS } from '../chunks/chunker'
import { toDimensionSource } from '../chunks/dimension-source'
import type { DimensionAnalysis } from '../chunks/dimensions'
import { simulateDimensionAnalysis } from '../chunks/simulated-dimensions'
import { countTokens } from '../chunks/tokens'
import type { DB } from '../db/schema'
import type { Section } from './sections'

/**
 * `npm run seed -- --documents N`: N ready documents of CHUNKS_PER_DOCUMENT chunks each, written
 * straight to the tables (no upload, no worker) so benches and demos have a chunk corpus fast.
 * Chunk texts come from a pool of passages about support topics; each passage's dimensions are the
 * simulator's analysis of exactly that text, so filters and the chunk browser behave as on real
 * data. Every fourth chunk is left unanalysed, as a freshly uploaded document would be.
 */
export const CHUNKS_PER_DOCUMENT = 50
const SECTIONS_PER_DOCUMENT = 5
const POOL_SIZE = 600
const DOCUMENTS_PER_INSERT = 100

const TOPICS: Record<string, string[]> = {
  Refunds: [
    'Refunds are paid to the original payment method within 14 days of the return arriving at our warehouse.',
    'A customer who paid by gift card receives the refund as store credit instead.',
    'Shipping costs are refunded only when the item arrived damaged or was not what was ordered.',
    'Partial refunds apply when an item comes back used, scratched or without its original packaging.',
    'If a refund has not arrived after 14 days, check the bank statement first and then contact the billing team.',
    'Agents may approve goodwill refunds of up to 50 euros without asking a manager.',
  ],
  Delivery: [
    'Parcels leave the depot every weekday before noon and usually arrive within two working days.',
    'The tracking link is sent by email as soon as the carrier scans the parcel.',
    'A parcel that shows as delivered but never arrived is investigated with the carrier for up to ten days.',
    'Express delivery is available for addresses on the mainland when the order is placed before 2 pm.',
    'Customers can change the delivery address until the parcel has left the depot.',
    'Deliveries to parcel lockers are held for seven days before they return to the sender.',
  ],
  Accounts: [
    'A password reset link expires after 30 minutes and can be used only once.',
    'After five failed sign-in attempts the account is locked for fifteen minutes to protect it.',
    'Two-factor authentication can be switched on in the security settings with any authenticator app.',
    'Agents never ask for a password; if a caller offers one, tell them to change it straight away.',
    'An account can be closed from the profile page; orders and invoices stay available for seven years.',
    'Email changes are confirmed by a link sent to both the old and the new address.',
  ],
  Billing: [
    'Invoices are issued on the first day of each month and paid by direct debit five days later.',
    'A failed payment is retried twice, three days apart, before the subscription is paused.',
    'Customers on the annual plan pay once a year and receive two months free.',
    'VAT is shown separately on every invoice and depends on the billing address.',
    'Disputed charges are frozen while the billing team investigates, usually for no more than ten days.',
    'Upgrades take effect immediately and the difference is charged pro rata for the current month.',
  ],
  Privacy: [
    'Customers may request a copy of their personal data, which is sent within 30 days.',
    'Deletion requests remove personal data except what the law requires us to keep for accounting.',
    'Call recordings are kept for 90 days for training and quality purposes and then deleted.',
    'We never sell personal data, and marketing emails are sent only with consent.',
    'A data breach that affects customers is reported to the authority within 72 hours.',
    'Agents must verify identity with two security questions before discussing account details.',
  ],
  Warranty: [
    'Every device has a two-year warranty covering manufacturing faults but not accidental damage.',
    'A faulty device is repaired, replaced or refunded, in that order of preference.',
    'Warranty claims need the order number or a receipt showing the purchase date.',
    'Batteries are covered for one year or 500 charge cycles, whichever comes first.',
    'Devices opened or repaired by a third party lose their warranty cover.',
    'Repairs under warranty take ten working days including shipping both ways.',
  ],
}
const GENERAL = [
  'If the customer is upset, acknowledge the problem before explaining the policy.',
  'Escalate to a team lead when the customer asks for one twice or mentions legal action.',
  'Summarise the agreed next step at the end of every conversation.',
  'Write the outcome in the ticket so the next agent does not have to ask again.',
]
const SUBHEADINGS = ['Overview', 'Eligibility', 'How it works', 'Exceptions', 'What agents may do', 'Examples']
const KINDS = ['handbook', 'policy', 'guide', 'playbook', 'FAQ']
const FORMATS = ['markdown', 'pdf', 'docx', 'html', 'text'] as const

type Passage = { topic: string; text: string; tokens: number; dimensions: DimensionAnalysis }

function random(seed: number) {
  let state = seed
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
}

/** Passages of 4–8 sentences on one topic (plus, sometimes, a general rule), each analysed once. */
function passagePool(): Passage[] {
  const next = random(7)
  const topics = Object.keys(TOPICS)
  return Array.from({ length: POOL_SIZE }, (_, i) => {
    const topic = topics[i % topics.length]!
    const sentences = TOPICS[topic]!
    const picked = Array.from({ length: 4 + Math.floor(next() * 5) }, () => sentences[Math.floor(next() * sentences.length)]!)
    if (next() < 0.4) picked.push(GENERAL[Math.floor(next() * GENERAL.length)]!)
    const text = picked.join(' ')
    return { topic, text, tokens: countTokens(text), dimensions: simulateDimensionAnalysis(text) }
  })
}

type SeedChunk = { ordinal: number; heading_path: string[]; text: string; tokens: number; char_start: number; char_end: number; pool: number | null }

/** One document's text, sections and chunks, with offsets that index its text exactly. */
function buildDocument(n: number, pool: Passage[], next: () => number) {
  const topic = Object.keys(TOPICS)[n % Object.keys(TOPICS).length]!
  const title = `${topic} ${KINDS[n % KINDS.length]} ${Math.floor(n / 30) + 1}.${n % 30}`
  let text = ''
  const sections: Section[] = []
  const chunks: SeedChunk[] = []
  const add = (part: string) => {
    const start = text.length
    text += part
    return start
  }
  const perSection = CHUNKS_PER_DOCUMENT / SECTIONS_PER_DOCUMENT
  for (let s = 0; s < SECTIONS_PER_DOCUMENT; s++) {
    const path = [topic, SUBHEADINGS[(n + s) % SUBHEADINGS.length]!]
    const start = add(`${s === 0 ? `# ${topic}\n\n` : '\n\n'}## ${path[1]}\n\n`)
    for (let c = 0; c < perSection; c++) {
      const ordinal = s * perSection + c
      // The first chunk says which document this is, so no two documents have the same content.
      const index = ordinal === 0 ? null : Math.floor(next() * pool.length)
      const body = index === null ? `This ${title} explains how the support team handles ${topic.toLowerCase()} (document ${n + 1}).` : pool[index]!.text
      if (c > 0) add('\n\n')
      const char_start = add(body)
      chunks.push({ ordinal, heading_path: path, text: body, tokens: index === null ? countTokens(body) : pool[index]!.tokens, char_start, char_end: char_start + body.length, pool: index })
    }
    sections.push({ heading_path: path, start, end: text.length })
  }
  return { title, format: FORMATS[n % FORMATS.length]!, text, sections, chunks }
}

export type DocumentSeedResult = { documents: number; chunks: number; ms: number }

export async function seedDocuments(db: Kysely<DB>, options: { count: number; createdBy?: string | null; parallel?: number }): Promise<DocumentSeedResult> {
  const started = performance.now()
  const pool = passagePool()
  const analyses = pool.map((p) => ({ dimensions: p.dimensions, source: toDimensionSource(p.dimensions) }))
  const now = Date.now()
  const batches = Array.from({ length: Math.ceil(options.count / DOCUMENTS_PER_INSERT) }, (_, i) => i * DOCUMENTS_PER_INSERT)

  async function insertBatch(first: number) {
    const next = random(first + 1)
    const documents: Record<string, unknown>[] = []
    const chunks: Record<string, unknown>[] = []
    for (let n = first; n < Math.min(first + DOCUMENTS_PER_INSERT, options.count); n++) {
      const doc = buildDocument(n, pool, next)
      const id = randomUUID()
      // Spread over the last 90 days, newest last, so keyset lists page through realistic times.
      const created_at = new Date(now - (options.count - n) * Math.max(1, Math.floor((90 * 86_400_000) / options.count))).toISOString()
      const bytes = Buffer.byteLength(doc.text)
      documents.push({
        id,
        title: doc.title,
        filename: `${doc.title.replaceAll(' ', '-').toLowerCase()}.${doc.format === 'markdown' ? 'md' : doc.format === 'text' ? 'txt' : doc.format}`,
        format: doc.format,
        bytes,
        sha256: createHash('sha256').update(doc.text).digest('hex'),
        chunk_count: doc.chunks.length,
        text: doc.text,
        sections: doc.sections,
        created_at,
      })
      for (const chunk of doc.chunks) {
        const analysed = chunk.pool !== null && chunk.ordinal % 4 !== 3 ? analyses[chunk.pool]! : undefined
        chunks.push({
          document_id: id,
          ...chunk,
          dimensions: analysed ? analysed.dimensions : null,
          dimension_source: analysed?.source ?? null,
          personas: analysed?.source.personas.map((d) => d.name) ?? [],
          emotions: analysed?.source.emotions.map((d) => d.name) ?? [],
          topics: analysed?.source.topics.map((d) => d.name) ?? [],
          complexity: analysed?.source.complexity ?? null,
          analyzed_at: analysed ? created_at : null,
          created_at,
        })
      }
    }
    await db.transaction().execute(async (trx) => {
      await sql`insert into documents (id, title, filename, format, bytes, sha256, status, chunk_count, chunk_options, text, sections, encoding, created_by, created_at, updated_at)
        select d.id, d.title, d.filename, d.format, d.bytes, d.sha256, 'ready', d.chunk_count, ${JSON.stringify(DEFAULT_CHUNK_OPTIONS)}::jsonb,
          d.text, d.sections, 'utf-8', ${options.createdBy ?? null}::uuid, d.created_at, d.created_at
        from jsonb_to_recordset(${JSON.stringify(documents)}::jsonb)
          as d(id uuid, title text, filename text, format text, bytes bigint, sha256 text, chunk_count int, text text, sections jsonb, created_at timestamptz)`.execute(trx)
      await sql`insert into chunks (document_id, ordinal, heading_path, text, tokens, char_start, char_end, dimensions, dimension_source,
          personas, emotions, topics, complexity, analyzed_at, created_at)
        select c.document_id, c.ordinal, array(select jsonb_array_elements_text(c.heading_path)), c.text, c.tokens, c.char_start, c.char_end,
          c.dimensions, c.dimension_source,
          array(select jsonb_array_elements_text(c.personas)), array(select jsonb_array_elements_text(c.emotions)),
          array(select jsonb_array_elements_text(c.topics)), c.complexity, c.analyzed_at, c.created_at
        from jsonb_to_recordset(${JSON.stringify(chunks)}::jsonb)
          as c(document_id uuid, ordinal int, heading_path jsonb, text text, tokens int, char_start int, char_end int, dimensions jsonb,
               dimension_source jsonb, personas jsonb, emotions jsonb, topics jsonb, complexity smallint, analyzed_at timestamptz, created_at timestamptz)`.execute(trx)
    })
  }

  // Search vectors are CPU-bound in Postgres: load on parallel connections.
  const lanes = Array.from({ length: Math.min(options.parallel ?? 4, batches.length) }, async () => {
    for (let first = batches.shift(); first !== undefined; first = batches.shift()) await insertBatch(first)
  })
  await Promise.all(lanes)
  await sql`analyze documents`.execute(db)
  await sql`analyze chunks`.execute(db)
  return { documents: options.count, chunks: options.count * CHUNKS_PER_DOCUMENT, ms: Math.round(performance.now() - started) }
}

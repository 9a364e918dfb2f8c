import { createHash, randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import { DEFAULT_CHUNK_OPTIONS } from '../chunks/chunker'
import { type DimensionSource, toDimensionSource } from '../chunks/dimension-source'
import type { DimensionAnalysis } from '../chunks/dimensions'
import { simulateDimensionAnalysis } from '../chunks/simulated-dimensions'
import { countTokens } from '../chunks/tokens'
import type { DB } from '../db/schema'
import { seededRandom } from '../random'
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
/** Passages chunks are drawn from: enough that a passage recurs in about 30 of 100,000 chunks. */
const POOL_SIZE = 3000
const DOCUMENTS_PER_INSERT = 100

/**
 * Sentences about support topics with slots ({product}, {city}, {days}…) filled per passage, so
 * the words spread as in real text: topic words are common, products and places less so, brand
 * names (made up from syllables) rare, which is what full-text search has to cope with.
 */
const TOPICS: Record<string, string[]> = {
  Refunds: [
    'Refunds are paid to the original payment method within {days} days of the return arriving at our {city} warehouse.',
    'A customer who paid for a {product} by gift card receives the refund as store credit instead.',
    'Shipping costs are refunded only when the {product} arrived damaged or was not what was ordered.',
    'Partial refunds apply when a {product} comes back used, scratched or without its original packaging.',
    'If a refund has not arrived after {days} days, check the bank statement first and then contact the {team}.',
    'Agents may approve goodwill refunds of up to {amount} euros without asking a manager.',
    'Returns of a {product} bought in a {city} store can be handed in at any branch with the receipt.',
    'Customers on the {plan} plan get free return labels, printed from {channel}.',
    'A refund for a {product} bought on sale is the price actually paid, not the list price.',
  ],
  Delivery: [
    'Parcels leave the {city} depot every weekday before noon and usually arrive within {days} working days.',
    'The tracking link is sent by {channel} as soon as {carrier} scans the parcel.',
    'A parcel that shows as delivered but never arrived is investigated with {carrier} for up to {days} days.',
    'Express delivery of a {product} is available for addresses near {city} when the order is placed before 2 pm.',
    'Customers can change the delivery address until the parcel has left the depot in {city}.',
    'Deliveries to parcel lockers are held for {days} days before they return to the sender.',
    'Bulky items such as the {product} travel with {carrier} and need a signature on arrival.',
    'Orders over {amount} euros ship free on the {plan} plan.',
  ],
  Accounts: [
    'A password reset link expires after {days} minutes and can be used only once.',
    'After five failed sign-in attempts the account is locked for fifteen minutes to protect it.',
    'Two-factor authentication can be switched on in the security settings with any authenticator app.',
    'Agents never ask for a password; if a caller offers one, tell them to change it straight away.',
    'An account can be closed from the profile page; orders and invoices stay available for seven years.',
    'Email changes are confirmed by a link sent to both the old and the new address.',
    'A {product} registered to an account appears under My devices with its serial number.',
    'Sign-ins from a new device near {city} trigger a confirmation sent by {channel}.',
    'Household members share one {plan} account but each keeps a separate profile.',
  ],
  Billing: [
    'Invoices are issued on the first day of each month and paid by direct debit {days} days later.',
    'A failed payment is retried twice, three days apart, before the {plan} subscription is paused.',
    'Customers on the annual {plan} plan pay once a year and receive two months free.',
    'VAT is shown separately on every invoice and depends on the billing address in {city} or elsewhere.',
    'Disputed charges are frozen while the {team} investigates, usually for no more than {days} days.',
    'Upgrades to the {plan} plan take effect immediately and the difference is charged pro rata.',
    'Instalments for a {product} over {amount} euros are spread over twelve months without interest.',
    'Copies of old invoices can be downloaded from {channel} for up to seven years.',
  ],
  Privacy: [
    'Customers may request a copy of their personal data, which is sent by {channel} within {days} days.',
    'Deletion requests remove personal data except what the law requires us to keep for accounting.',
    'Call recordings are kept for {days} days for training and quality purposes and then deleted.',
    'We never sell personal data, and marketing emails are sent only with consent.',
    'A data breach that affects customers is reported to the authority within 72 hours by the {team}.',
    'Agents must verify identity with two security questions before discussing account details.',
    'Usage data from a {product} is stored in our {city} data centre and never leaves the region.',
    'Consent for marketing can be withdrawn at any time through {channel}.',
  ],
  Warranty: [
    'Every {product} has a two-year warranty covering manufacturing faults but not accidental damage.',
    'A faulty {product} is repaired, replaced or refunded, in that order of preference.',
    'Warranty claims need the order number or a receipt showing the purchase date.',
    'Batteries are covered for one year or 500 charge cycles, whichever comes first.',
    'Devices opened or repaired by a third party lose their warranty cover.',
    'Repairs under warranty take {days} working days at the {city} repair centre including shipping both ways.',
    'A replacement {product} keeps the warranty of the one it replaces, or at least ninety days.',
    'Customers on the {plan} plan get accidental damage cover for a fee of {amount} euros per claim.',
  ],
}
const GENERAL = [
  'If the customer is upset, acknowledge the problem before explaining the policy.',
  'Escalate to a team lead when the customer asks for one twice or mentions legal action.',
  'Summarise the agreed next step at the end of every conversation.',
  'Write the outcome in the ticket so the next agent does not have to ask again.',
  'Example: {name} from {city} called about a {product} and was helped within one call.',
  'Offer {channel} as an alternative when the phone queue is longer than ten minutes.',
]
const ITEMS = [
  'kettle',
  'router',
  'headphones',
  'smartwatch',
  'blender',
  'vacuum cleaner',
  'coffee machine',
  'e-reader',
  'tablet',
  'camera',
  'speaker',
  'monitor',
  'keyboard',
  'printer',
  'air purifier',
  'toaster',
  'lamp',
  'thermostat',
  'doorbell',
  'scooter',
  'drill',
  'fridge',
  'washing machine',
  'projector',
  'fitness tracker',
  'baby monitor',
  'hair dryer',
  'microwave',
  'dehumidifier',
  'charger',
]
/** Made-up brand names, two syllables each: 484, each one rare in the corpus. */
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ren',
  'tar',
  'vel',
  'zo',
  'qui',
  'bra',
  'dun',
  'fe',
  'gor',
  'hal',
  'jin',
  'nox',
  'pel',
  'sor',
  'tuv',
  'wex',
  'yal',
  'cor',
  'mar',
]
const BRANDS = SYLLABLES.flatMap((a) => SYLLABLES.map((b) => a + b)).map((b) => b[0]!.toUpperCase() + b.slice(1))
const SLOTS: Record<string, string[]> = {
  city: [
    'Leeds',
    'Bristol',
    'Glasgow',
    'Cardiff',
    'Dublin',
    'Lyon',
    'Lille',
    'Porto',
    'Valencia',
    'Bologna',
    'Ghent',
    'Utrecht',
    'Bremen',
    'Leipzig',
    'Graz',
    'Brno',
    'Krakow',
    'Gdansk',
    'Tartu',
    'Turku',
    'Aarhus',
    'Malmo',
    'Bergen',
    'Cork',
    'Nantes',
    'Seville',
    'Bilbao',
    'Turin',
    'Antwerp',
    'Rotterdam',
    'Dresden',
    'Salzburg',
    'Ljubljana',
    'Zagreb',
    'Riga',
    'Vilnius',
    'Uppsala',
    'Tampere',
    'Odense',
    'Galway',
  ],
  carrier: ['Parcelink', 'SwiftPost', 'Boxroute', 'Northway Freight', 'Courierly', 'Dispatcho', 'Lanehaul', 'Relaydrop'],
  days: ['2', '3', '5', '7', '10', '14', '21', '28', '30', '45', '60', '90'],
  amount: ['5', '10', '15', '20', '25', '40', '50', '75', '100', '150', '200', '250', '500'],
  plan: ['Basic', 'Plus', 'Family', 'Business', 'Student', 'Premium', 'Starter', 'Team', 'Unlimited', 'Lite'],
  channel: ['email', 'live chat', 'text message', 'the mobile app', 'the help centre', 'the web form', 'post', 'the customer portal'],
  team: ['billing team', 'returns desk', 'logistics team', 'privacy office', 'security team', 'repair centre', 'customer care team', 'escalations desk'],
  name: [
    'Amira',
    'Bogdan',
    'Chiara',
    'Dmitri',
    'Elif',
    'Femi',
    'Greta',
    'Hamza',
    'Ines',
    'Jonas',
    'Kasia',
    'Luca',
    'Maeve',
    'Nikolai',
    'Oona',
    'Priya',
    'Quentin',
    'Rosa',
    'Soren',
    'Tomasz',
    'Ugo',
    'Vera',
    'Wanjiru',
    'Xavier',
    'Yusuf',
    'Zofia',
  ],
}
const SUBHEADINGS = ['Overview', 'Eligibility', 'How it works', 'Exceptions', 'What agents may do', 'Examples']
const KINDS = ['handbook', 'policy', 'guide', 'playbook', 'FAQ']
const FORMATS = ['markdown', 'pdf', 'docx', 'html', 'text'] as const

type Passage = { text: string; tokens: number; dimensions: DimensionAnalysis; source: DimensionSource }

/** A sentence with each {slot} filled from its list (a product is a brand and an item). */
function fill(template: string, next: () => number): string {
  const pick = (list: string[]) => list[Math.floor(next() * list.length)]!
  return template.replace(/\{(\w+)\}/g, (_, slot: string) => (slot === 'product' ? `${pick(BRANDS)} ${pick(ITEMS)}` : pick(SLOTS[slot]!)))
}

/** Passages of 4–8 sentences on one topic (plus, sometimes, a general rule), each analysed once. */
function passagePool(): Passage[] {
  const next = seededRandom(7)
  const topics = Object.keys(TOPICS)
  return Array.from({ length: POOL_SIZE }, (_, i) => {
    const sentences = TOPICS[topics[i % topics.length]!]!
    const picked = Array.from({ length: 4 + Math.floor(next() * 5) }, () => fill(sentences[Math.floor(next() * sentences.length)]!, next))
    if (next() < 0.4) picked.push(fill(GENERAL[Math.floor(next() * GENERAL.length)]!, next))
    const text = picked.join(' ')
    const dimensions = simulateDimensionAnalysis(text)
    return { text, tokens: countTokens(text), dimensions, source: toDimensionSource(dimensions) }
  })
}

type SeedChunk = { ordinal: number; heading_path: string[]; text: string; tokens: number; char_start: number; char_end: number; pool: number | null }

/** One document's text, sections and chunks, with offsets that index its text exactly. */
function buildDocument(n: number, pool: Passage[], next: () => number) {
  const topics = Object.keys(TOPICS)
  const topic = topics[n % topics.length]!
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
      // The first chunk says which document this is, so no two documents have the same content;
      // the others are passages on the document's topic (the pool cycles through the topics).
      const index = ordinal === 0 ? null : (n % topics.length) + topics.length * Math.floor((next() * pool.length) / topics.length)
      const body = index === null ? `This ${title} explains how the support team handles ${topic.toLowerCase()} (document ${n + 1}).` : pool[index]!.text
      if (c > 0) add('\n\n')
      const char_start = add(body)
      chunks.push({
        ordinal,
        heading_path: path,
        text: body,
        tokens: index === null ? countTokens(body) : pool[index]!.tokens,
        char_start,
        char_end: char_start + body.length,
        pool: index,
      })
    }
    sections.push({ heading_path: path, start, end: text.length })
  }
  return { title, format: FORMATS[n % FORMATS.length]!, text, sections, chunks }
}

export type DocumentSeedResult = { documents: number; chunks: number; ms: number }

export async function seedDocuments(db: Kysely<DB>, options: { count: number; createdBy?: string | null; parallel?: number }): Promise<DocumentSeedResult> {
  const started = performance.now()
  const pool = passagePool()
  // The passages and their analyses go to Postgres once per connection (a temporary table): each
  // chunk then names its passage instead of carrying ~3 kB of dimension JSON through a parameter.
  const passages = JSON.stringify(
    pool.map((p, i) => ({
      i,
      text: p.text,
      tokens: p.tokens,
      dimensions: p.dimensions,
      dimension_source: p.source,
      personas: p.source.personas.map((d) => d.name),
      emotions: p.source.emotions.map((d) => d.name),
      topics: p.source.topics.map((d) => d.name),
      complexity: p.source.complexity,
    })),
  )
  const now = Date.now()
  const batches = Array.from({ length: Math.ceil(options.count / DOCUMENTS_PER_INSERT) }, (_, i) => i * DOCUMENTS_PER_INSERT)

  async function insertBatch(conn: Kysely<DB>, first: number) {
    const next = seededRandom(first + 1)
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
      for (const { pool: passage, text, ...chunk } of doc.chunks) {
        // A pooled chunk's text is its passage's; every fourth one is left unanalysed.
        chunks.push({
          document_id: id,
          ...chunk,
          text: passage === null ? text : null,
          passage,
          analysed: passage !== null && chunk.ordinal % 4 !== 3,
          created_at,
        })
      }
    }
    await conn.transaction().execute(async (trx) => {
      await sql`insert into documents (id, title, filename, format, bytes, sha256, status, chunk_count, chunk_options, text, sections, encoding, created_by, created_at, updated_at)
        select d.id, d.title, d.filename, d.format, d.bytes, d.sha256, 'ready', d.chunk_count, ${JSON.stringify(DEFAULT_CHUNK_OPTIONS)}::jsonb,
          d.text, d.sections, 'utf-8', ${options.createdBy ?? null}::uuid, d.created_at, d.created_at
        from jsonb_to_recordset(${JSON.stringify(documents)}::jsonb)
          as d(id uuid, title text, filename text, format text, bytes bigint, sha256 text, chunk_count int, text text, sections jsonb, created_at timestamptz)`.execute(
        trx,
      )
      await sql`insert into chunks (document_id, ordinal, heading_path, text, tokens, char_start, char_end, dimensions, dimension_source,
          personas, emotions, topics, complexity, analyzed_at, created_at)
        select c.document_id, c.ordinal, array(select jsonb_array_elements_text(c.heading_path)), coalesce(c.text, p.text), c.tokens,
          c.char_start, c.char_end, a.dimensions, a.dimension_source, coalesce(a.personas, '{}'), coalesce(a.emotions, '{}'),
          coalesce(a.topics, '{}'), a.complexity, case when c.analysed then c.created_at end, c.created_at
        from jsonb_to_recordset(${JSON.stringify(chunks)}::jsonb)
          as c(document_id uuid, ordinal int, heading_path jsonb, text text, tokens int, char_start int, char_end int, passage int,
               analysed boolean, created_at timestamptz)
        left join seed_passages p on p.i = c.passage
        left join seed_passages a on a.i = c.passage and c.analysed`.execute(trx)
    })
  }

  // Search vectors are CPU-bound in Postgres: load on parallel connections, each with the passages.
  const lanes = Array.from({ length: Math.min(options.parallel ?? 4, batches.length) }, () =>
    db.connection().execute(async (conn) => {
      await sql`create temporary table seed_passages on commit preserve rows as
        select * from jsonb_to_recordset(${passages}::jsonb)
          as p(i int, text text, tokens int, dimensions jsonb, dimension_source jsonb, personas text[], emotions text[], topics text[], complexity smallint)`.execute(
        conn,
      )
      await sql`alter table seed_passages add primary key (i)`.execute(conn)
      try {
        for (let first = batches.shift(); first !== undefined; first = batches.shift()) await insertBatch(conn, first)
      } finally {
        await sql`drop table seed_passages`.execute(conn)
      }
    }),
  )
  await Promise.all(lanes)
  await sql`analyze documents`.execute(db)
  await sql`analyze chunks`.execute(db)
  return { documents: options.count, chunks: options.count * CHUNKS_PER_DOCUMENT, ms: Math.round(performance.now() - started) }
}

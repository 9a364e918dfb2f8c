import { chunkDocument } from '../../src/chunks/chunker'
import { extractDocument } from '../../src/documents/extract'
import { corpus, type Format } from './corpus'
import { heading, report } from './support'

/**
 * Ingest figures without a database: extract and chunk (default options) a generated 10 MB
 * corpus as plain text, and as Markdown and HTML with a heading every few paragraphs. The issue
 * asks for a 10 MB text corpus in under 10 s; the database writes are the ingest task's to add.
 */
const BYTES = Number(process.env.BENCH_CORPUS_BYTES ?? 10_000_000)

heading(`Ingest: extract and chunk a ${(BYTES / 1e6).toFixed(0)} MB corpus (default options: 512 tokens, 64 overlap, by headings)`)
const FORMATS: [string, string, Format][] = [
  ['plain text', 'corpus.txt', 'text'],
  ['Markdown', 'corpus.md', 'markdown'],
  ['HTML', 'corpus.html', 'html'],
]
for (const [name, filename, format] of FORMATS) {
  const bytes = new TextEncoder().encode(corpus(BYTES, format))
  const t0 = performance.now()
  const document = await extractDocument({ bytes, filename })
  const t1 = performance.now()
  const chunks = chunkDocument(document)
  const t2 = performance.now()
  report(`${name}: extract`, (t1 - t0) / 1000, 's')
  report(`${name}: chunk (${chunks.length.toLocaleString('en')} chunks, ${document.sections.length.toLocaleString('en')} sections)`, (t2 - t1) / 1000, 's')
  report(`${name}: extract + chunk`, (t2 - t0) / 1000, 's', '< 10 s')
}

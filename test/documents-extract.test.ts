import { createHash } from 'node:crypto'
import iconv from 'iconv-lite'
import JSZip from 'jszip'
import { describe, expect, it } from 'vitest'
import { CorruptDocument, NoExtractableText, UnsupportedDocumentType } from '../src/documents/errors'
import { type ExtractedDocument, extractDocument, extractPastedText } from '../src/documents/extract'
import { AppError } from '../src/errors'
import { makeDocx, makePdf } from './helpers/document-fixtures'

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'))

/** Sections tile the text in order, and each heading's section starts at that heading. */
function expectSectionsTileTheText(doc: ExtractedDocument) {
  expect(doc.sections.length).toBeGreaterThan(0)
  for (const [i, section] of doc.sections.entries()) {
    expect(section.start).toBeLessThan(section.end)
    if (i > 0) expect(section.start).toBe(doc.sections[i - 1]!.end)
  }
  expect(doc.text.slice(0, doc.sections[0]!.start).trim()).toBe('')
  expect(doc.sections.at(-1)!.end).toBe(doc.text.length)
}

function sectionText(doc: ExtractedDocument, path: string[]): string {
  const section = doc.sections.find((s) => JSON.stringify(s.heading_path) === JSON.stringify(path))
  if (!section) throw new Error(`no section ${JSON.stringify(path)} in ${JSON.stringify(doc.sections.map((s) => s.heading_path))}`)
  return doc.text.slice(section.start, section.end)
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`)
  return error
}

describe('plain text', () => {
  it('reads UTF-8 text as one untitled section named after the file, hashing the raw bytes', async () => {
    const bytes = utf8('Returns are free within 30 days.\r\nKeep the receipt.\r\n')
    const doc = await extractDocument({ bytes, filename: 'Returns policy.v2.txt', contentType: 'text/plain' })
    expect(doc).toMatchObject({ format: 'text', title: 'Returns policy.v2', encoding: 'utf-8', bytes: bytes.length })
    expect(doc.text).toBe('Returns are free within 30 days.\nKeep the receipt.\n')
    expect(doc.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
    expect(doc.sections).toEqual([{ heading_path: [], start: 0, end: doc.text.length }])
  })

  it('drops a UTF-8 byte-order mark', async () => {
    const doc = await extractDocument({ bytes: new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('Hello')]), filename: 'a.txt' })
    expect(doc.text).toBe('Hello')
  })

  it('detects Windows-1252 and decodes its curly quotes, dashes and accents', async () => {
    const source = 'The café’s “house rules” – read them before you order. Crème brûlée is served after 6 pm; naïve questions are welcome. '.repeat(4)
    const bytes = new Uint8Array(iconv.encode(source, 'windows-1252'))
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow()
    const doc = await extractDocument({ bytes, filename: 'rules.txt', contentType: 'text/plain' })
    expect(doc.text).toBe(source)
    expect(doc.encoding).toBe('windows-1252')
  })

  it('uses the charset the upload declares when the bytes are not UTF-8', async () => {
    const bytes = new Uint8Array(iconv.encode('Größe: 10 €', 'windows-1252'))
    const doc = await extractDocument({ bytes, filename: 'sizes.txt', contentType: 'text/plain; charset=windows-1252' })
    expect(doc.text).toBe('Größe: 10 €')
  })

  it('reads UTF-16 with a byte-order mark in either byte order', async () => {
    const source = 'Ünïcödé policy — 返品は30日以内'
    const le = await extractDocument({ bytes: new Uint8Array([0xff, 0xfe, ...iconv.encode(source, 'utf-16le')]), filename: 'le.txt' })
    const be = await extractDocument({ bytes: new Uint8Array([0xfe, 0xff, ...iconv.encode(source, 'utf-16be')]), filename: 'be.txt' })
    expect(le).toMatchObject({ text: source, encoding: 'utf-16le' })
    expect(be).toMatchObject({ text: source, encoding: 'utf-16be' })
  })

  it('reads UTF-16 saved without a byte-order mark instead of refusing it as binary', async () => {
    const source = 'Shipping takes three to five working days.'
    const doc = await extractDocument({ bytes: new Uint8Array(iconv.encode(source, 'utf-16le')), filename: 'shipping.txt' })
    expect(doc.text).toBe(source)
  })

  it('takes pasted text with the title it was given and hashes it as UTF-8', () => {
    const doc = extractPastedText({ title: '  Pasted   notes ', text: 'Line one\r\nLine two' })
    expect(doc).toMatchObject({ title: 'Pasted notes', format: 'text', text: 'Line one\nLine two' })
    expect(doc.sha256).toBe(createHash('sha256').update('Line one\r\nLine two').digest('hex'))
    expect(() => extractPastedText({ title: 'Blank', text: ' \n\t ' })).toThrow(NoExtractableText)
  })
})

describe('Markdown', () => {
  const markdown = [
    'Preamble before any heading.',
    '',
    '# Support handbook',
    '',
    'How we help customers.',
    '',
    '## Refunds **and** returns',
    '',
    'Refunds take 5 days.',
    '',
    '```',
    '# not a heading, just code',
    '```',
    '',
    '### Damaged items',
    '',
    'Send a photo.',
    '',
    '## Billing',
    '',
    'Invoices go out monthly.',
    '',
    'Appendix',
    '========',
    '',
    'Setext headings count too.',
    '',
  ].join('\n')

  it('keeps the source as the text and nests sections under their headings', async () => {
    const doc = await extractDocument({ bytes: utf8(markdown), filename: 'handbook.md', contentType: 'text/markdown' })
    expect(doc.format).toBe('markdown')
    expect(doc.text).toBe(markdown)
    expect(doc.title).toBe('Support handbook')
    expect(doc.sections.map((s) => s.heading_path)).toEqual([
      [],
      ['Support handbook'],
      ['Support handbook', 'Refunds and returns'],
      ['Support handbook', 'Refunds and returns', 'Damaged items'],
      ['Support handbook', 'Billing'],
      ['Appendix'],
    ])
    expectSectionsTileTheText(doc)
    expect(sectionText(doc, ['Support handbook', 'Refunds and returns'])).toMatch(
      /^## Refunds \*\*and\*\* returns\n[\s\S]*# not a heading, just code\n```\n\n$/,
    )
    expect(sectionText(doc, ['Support handbook', 'Refunds and returns', 'Damaged items'])).toBe('### Damaged items\n\nSend a photo.\n\n')
    expect(sectionText(doc, ['Appendix'])).toBe('Appendix\n========\n\nSetext headings count too.\n')
  })

  it('is recognised by its extension even when sent as text/plain, and titled by its file without an H1', async () => {
    const doc = await extractDocument({ bytes: utf8('## Only a second level\n\nBody.'), filename: 'notes.markdown', contentType: 'text/plain' })
    expect(doc).toMatchObject({ format: 'markdown', title: 'notes' })
  })
})

describe('HTML', () => {
  const html = `<!DOCTYPE html><html><head><title>Help centre</title><style>p { color: red }</style>
    <script>var tracking = "do not index me"</script></head>
    <body><nav><a href="/">Home</a> | <a href="/help">Help</a></nav>
    <h1>Help &amp; FAQ</h1><p>Answers to   common
      questions.</p>
    <h2>Returns</h2><p>How to send things back:</p>
    <ol><li>Pack the item</li><li>Print the label<ul><li>from your account</li></ul></li></ol>
    <h3>Exceptions</h3><p>Opened software<br>cannot be returned.</p>
    <div hidden>A hidden promo</div>
    <h2>Billing</h2><table><tr><th>Plan</th><th>Price</th></tr><tr><td>Basic</td><td>$5</td></tr></table>
    <noscript>Enable JavaScript</noscript></body></html>`

  it('keeps headings, paragraphs, lists and tables and drops scripts, styles, navigation and hidden parts', async () => {
    const doc = await extractDocument({ bytes: utf8(html), filename: 'faq.html', contentType: 'text/html' })
    expect(doc.format).toBe('html')
    expect(doc.title).toBe('Help & FAQ')
    expect(doc.text).toBe(
      [
        'Help & FAQ',
        'Answers to common questions.',
        'Returns',
        'How to send things back:',
        '1. Pack the item\n2. Print the label\n  - from your account',
        'Exceptions',
        'Opened software\ncannot be returned.',
        'Billing',
        'Plan | Price\nBasic | $5',
      ].join('\n\n'),
    )
    for (const hidden of ['color: red', 'do not index me', 'Home', 'hidden promo', 'Enable JavaScript']) expect(doc.text).not.toContain(hidden)
    expect(doc.sections.map((s) => s.heading_path)).toEqual([
      ['Help & FAQ'],
      ['Help & FAQ', 'Returns'],
      ['Help & FAQ', 'Returns', 'Exceptions'],
      ['Help & FAQ', 'Billing'],
    ])
    expectSectionsTileTheText(doc)
    expect(sectionText(doc, ['Help & FAQ', 'Returns', 'Exceptions'])).toBe('Exceptions\n\nOpened software\ncannot be returned.\n\n')
  })

  it('falls back to <title> when there is no h1', async () => {
    const doc = await extractDocument({ bytes: utf8('<html><head><title> Pricing  page </title></head><body><p>Plans.</p></body></html>'), filename: 'p.htm' })
    expect(doc).toMatchObject({ format: 'html', title: 'Pricing page', text: 'Plans.' })
  })

  it('is recognised by its doctype whatever the file is called, and honours its meta charset', async () => {
    const bytes = new Uint8Array(iconv.encode('<!doctype html><meta charset="windows-1252"><h1>Menü</h1><p>Crêpes – 5 €</p>', 'windows-1252'))
    const doc = await extractDocument({ bytes, filename: 'export.txt', contentType: 'application/octet-stream' })
    expect(doc).toMatchObject({ format: 'html', title: 'Menü', text: 'Menü\n\nCrêpes – 5 €' })
  })
})

describe('PDF', () => {
  it('reads each page in order, separated by a blank line, titled from its metadata', async () => {
    const bytes = makePdf([['Refund policy', 'Returns (with receipt) within 30 days.'], ['Page two text.']], 'Customer Handbook')
    const doc = await extractDocument({ bytes, filename: 'handbook.pdf', contentType: 'application/pdf' })
    expect(doc).toMatchObject({ format: 'pdf', title: 'Customer Handbook', bytes: bytes.length })
    expect(doc.text).toBe('Refund policy\nReturns (with receipt) within 30 days.\n\nPage two text.')
    expect(doc.sections).toEqual([{ heading_path: [], start: 0, end: doc.text.length }])
  })

  it('is titled by its file name when it has no Title, and recognised by its header whatever it is called', async () => {
    const doc = await extractDocument({ bytes: makePdf([['Body']]), filename: 'scan-0042.bin', contentType: 'application/octet-stream' })
    expect(doc).toMatchObject({ format: 'pdf', title: 'scan-0042', text: 'Body' })
  })

  it('refuses a PDF with no text layer as having no extractable text, suggesting OCR', async () => {
    const error = await rejection(extractDocument({ bytes: makePdf([[]]), filename: 'scan.pdf' }))
    expect(error).toBeInstanceOf(NoExtractableText)
    expect(error.status).toBe(400)
    expect(error.message).toMatch(/OCR/)
  })

  it('reports a truncated PDF as corrupt with a plain reason, not as a parser crash', async () => {
    const bytes = makePdf([['Some text']])
    const error = await rejection(extractDocument({ bytes: bytes.slice(0, 300), filename: 'broken.pdf', contentType: 'application/pdf' }))
    expect(error).toBeInstanceOf(CorruptDocument)
    expect(error.status).toBe(422)
    expect(error.message).toMatch(/PDF is damaged or incomplete/)
  })

  it('reports a file named .pdf that is not a PDF as corrupt', async () => {
    const error = await rejection(extractDocument({ bytes: utf8('just some text'), filename: 'report.pdf', contentType: 'application/pdf' }))
    expect(error).toBeInstanceOf(CorruptDocument)
    expect(error.message).toMatch(/named as a PDF but is not one/)
  })
})

describe('Word (.docx)', () => {
  it('keeps Word headings as sections and takes the Title paragraph as the title', async () => {
    const bytes = await makeDocx([
      { text: 'Staff Handbook', style: 'Title' },
      { text: 'Leave', style: 'Heading1' },
      { text: 'You get 25 days a year & public holidays.' },
      { text: 'Sick leave', style: 'Heading2' },
      { text: 'Call your manager before 9 am.' },
      { text: 'Expenses', style: 'Heading1' },
      { text: 'Keep receipts <always>.' },
    ])
    const doc = await extractDocument({
      bytes,
      filename: 'handbook.docx',
      contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    })
    expect(doc).toMatchObject({ format: 'docx', title: 'Staff Handbook' })
    expect(doc.text).toBe(
      'Staff Handbook\n\nLeave\n\nYou get 25 days a year & public holidays.\n\nSick leave\n\nCall your manager before 9 am.\n\nExpenses\n\nKeep receipts <always>.',
    )
    expect(doc.sections.map((s) => s.heading_path)).toEqual([['Staff Handbook'], ['Leave'], ['Leave', 'Sick leave'], ['Expenses']])
    expectSectionsTileTheText(doc)
    expect(sectionText(doc, ['Leave', 'Sick leave'])).toBe('Sick leave\n\nCall your manager before 9 am.\n\n')
  })

  it("falls back to the document properties' title, then to the file name", async () => {
    const withCore = await extractDocument({ bytes: await makeDocx([{ text: 'Body only.' }], 'Travel & Expenses'), filename: 'te.docx' })
    const without = await extractDocument({ bytes: await makeDocx([{ text: 'Body only.' }]), filename: 'Travel policy.docx' })
    expect(withCore.title).toBe('Travel & Expenses')
    expect(without.title).toBe('Travel policy')
  })

  it('is recognised by its contents when sent without a .docx name', async () => {
    const doc = await extractDocument({ bytes: await makeDocx([{ text: 'Hello from Word.' }]), filename: 'upload', contentType: 'application/octet-stream' })
    expect(doc).toMatchObject({ format: 'docx', text: 'Hello from Word.' })
  })

  it('reports a truncated .docx as corrupt with a plain reason', async () => {
    const bytes = await makeDocx([{ text: 'Some text that makes the archive a little longer.' }])
    const error = await rejection(extractDocument({ bytes: bytes.slice(0, Math.floor(bytes.length / 2)), filename: 'broken.docx' }))
    expect(error).toBeInstanceOf(CorruptDocument)
    expect(error.status).toBe(422)
    expect(error.message).toMatch(/Word document is damaged/)
  })

  it('reports a zip named .docx without a document body, a damaged body, or a text file named .docx as corrupt', async () => {
    const empty = new JSZip()
    empty.file('readme.txt', 'not word')
    const noBody = await empty.generateAsync({ type: 'uint8array' })
    const damaged = await JSZip.loadAsync(await makeDocx([{ text: 'x' }]))
    damaged.file('word/document.xml', '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p')
    const damagedBody = await damaged.generateAsync({ type: 'uint8array' })
    for (const bytes of [noBody, damagedBody, utf8('plain words')]) {
      const error = await rejection(extractDocument({ bytes, filename: 'letter.docx' }))
      expect(error).toBeInstanceOf(CorruptDocument)
    }
  })
})

describe('files that cannot become documents', () => {
  it('refuses an empty file and a whitespace-only file as having no text (400)', async () => {
    for (const bytes of [new Uint8Array(), utf8(' \n\t\r\n  ')]) {
      const error = await rejection(extractDocument({ bytes, filename: 'blank.txt', contentType: 'text/plain' }))
      expect(error).toBeInstanceOf(NoExtractableText)
      expect(error.status).toBe(400)
    }
    const html = await rejection(extractDocument({ bytes: utf8('<html><script>only()</script></html>'), filename: 'x.html' }))
    expect(html).toBeInstanceOf(NoExtractableText)
  })

  it('refuses a PNG as unsupported (415), naming it, even when it is called .txt', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
    for (const filename of ['photo.png', 'notes.txt']) {
      const error = await rejection(extractDocument({ bytes: png, filename, contentType: 'image/png' }))
      expect(error).toBeInstanceOf(UnsupportedDocumentType)
      expect(error.status).toBe(415)
      expect(error.message).toMatch(/PNG image/)
    }
  })

  it('refuses spreadsheets, other zips, legacy .doc files and unknown binaries as unsupported', async () => {
    const sheet = new JSZip()
    sheet.file('xl/workbook.xml', '<workbook/>')
    const cases: [Uint8Array, string][] = [
      [await sheet.generateAsync({ type: 'uint8array' }), 'budget.xlsx'],
      [new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), 'old.doc'],
      [new Uint8Array([1, 2, 3, 0, 0, 4, 5, 6, 7, 0]), 'data'],
      [utf8('<svg xmlns="http://www.w3.org/2000/svg"><text>Hi</text></svg>'), 'logo.svg'],
    ]
    for (const [bytes, filename] of cases) {
      expect(await rejection(extractDocument({ bytes, filename }))).toBeInstanceOf(UnsupportedDocumentType)
    }
  })
})

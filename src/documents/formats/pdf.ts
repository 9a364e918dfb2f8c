import { extractText, getDocumentProxy, getMeta } from 'unpdf'
import { CorruptDocument } from '../errors'
import { collapseWhitespace, normalizeText, sectionsFromHeadings } from '../sections'
import type { FormatReader } from './reader'

/**
 * PDF through unpdf (PDF.js, pure JavaScript): each page's text in reading order, pages separated
 * by a blank line, the Info dictionary's Title as the title. PDFs carry no reliable headings, so
 * the document is one section. PDF.js takes ownership of the buffer it is given, hence the copy.
 */
export const readPdf: FormatReader = async ({ bytes }) => {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>
  try {
    pdf = await getDocumentProxy(bytes.slice(), { verbosity: 0 })
  } catch (error) {
    throw new CorruptDocument(pdfProblem(error))
  }
  try {
    const { text: pages } = await extractText(pdf, { mergePages: false })
    const text = normalizeText(
      pages
        .map((page) => page.trim())
        .filter(Boolean)
        .join('\n\n'),
    )
    const { info } = await getMeta(pdf).catch(() => ({ info: {} as Record<string, unknown> }))
    const title = typeof info.Title === 'string' ? collapseWhitespace(info.Title) : ''
    return { text, sections: sectionsFromHeadings(text, []), ...(title ? { title } : {}) }
  } catch (error) {
    throw new CorruptDocument(pdfProblem(error))
  } finally {
    await pdf.loadingTask.destroy().catch(() => undefined)
  }
}

function pdfProblem(error: unknown): string {
  const name = error instanceof Error ? error.name : ''
  if (name === 'PasswordException') return 'The PDF is password-protected. Remove the password and upload it again.'
  if (name === 'InvalidPDFException') return 'The PDF is damaged or incomplete: its structure could not be read.'
  return 'The PDF could not be read: it may be damaged or use features this reader does not support.'
}

import type { DocumentUpload } from '../detect'
import type { Section } from '../sections'

/** What one format's reader gets out of a file; `title` only when the file names one itself. */
export type FormatResult = { text: string; sections: Section[]; title?: string; encoding?: string }

/** Reads one format. Throws CorruptDocument for a damaged file; never a library's own error. */
export type FormatReader = (upload: DocumentUpload) => Promise<FormatResult>

import { AppError } from '../errors'

/**
 * Why an upload cannot become a document. Each carries the status its route answers with, so a
 * route can let it reach the error handler, and the ingest task can store `message` as the reason.
 */
export class UnsupportedDocumentType extends AppError {
  override readonly status = 415
  override readonly code = 'unsupported_document_type'
}

/** The file claims a format we read but its contents are damaged, encrypted or not that format. */
export class CorruptDocument extends AppError {
  override readonly status = 422
  override readonly code = 'corrupt_document'
}

/** Nothing to chunk: an empty file, only whitespace, or (a scanned PDF) no text layer. */
export class NoExtractableText extends AppError {
  override readonly status = 400
  override readonly code = 'no_extractable_text'
}

/**
 * Errors the importer raises for input it cannot turn into a plan. Each carries a typed code and a message in
 * the user's language (Chinese first, English second), fit to print as one line or return to a client.
 */
export type ImportErrorCode =
  | 'empty'
  | 'too-large'
  | 'binary'
  | 'unsupported-format'
  | 'corrupt-docx'
  | 'corrupt-pdf'
  | 'encrypted-pdf'
  | 'no-text-layer'
  | 'not-a-plan'
  // Reading the file would take more than its share of memory or time: a decompression bomb, a part or a document
  // past a cap, the reader thread's memory or time budget (src/importer/read/zip-container.ts, worker/).
  | 'resource-limit';

export class ImportError extends Error {
  override readonly name = 'ImportError';
  constructor(
    readonly code: ImportErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isImportError(error: unknown): error is ImportError {
  return error instanceof ImportError;
}

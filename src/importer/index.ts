/**
 * The importer: an uploaded document (md, txt, docx, pdf) in, a PlanDraft out. Reading is the only I/O-shaped
 * step (decoding, unzipping, PDF text); parsing is pure. Uploads go through {@link importDocumentInWorker}, which
 * runs the same in a reader thread within a memory and time budget (worker/document-reader.ts).
 */
import type { PlanDraft } from '../domain/plan-draft.ts';
import { ImportError } from './errors.ts';
import { parsePlan } from './parse/index.ts';
import { readDocument, type SourceText } from './read/index.ts';
import { sharedDocumentReader, type DocumentReader } from './worker/document-reader.ts';

export { ImportError, isImportError, type ImportErrorCode } from './errors.ts';
export {
  DEFAULT_READER_BUDGET,
  DocumentReader,
  ReaderThreadError,
  sharedDocumentReader,
  type DocumentReaderOptions,
  type ReaderBudget,
} from './worker/document-reader.ts';
export { parsePlan, titleOf } from './parse/index.ts';
export { readMarker } from './parse/markers.ts';

/** 20 MB: a long plan with its annexes is under 5 MB as docx or PDF. */
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

export interface ImportOptions {
  maxBytes?: number;
}

export interface ImportResult {
  source: SourceText;
  draft: PlanDraft;
}

/** Reads and parses a plan document; throws {@link ImportError} when the input is not a readable plan. */
export async function importDocument(
  bytes: Uint8Array,
  fileName: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const source = await readDocument(bytes, fileName, { maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES });
  return { source, draft: parseSourceText(source.text) };
}

export interface IsolatedImportOptions extends ImportOptions {
  /** The reader to use (the server's, with the configured budget); default the process's with the default budget. */
  reader?: DocumentReader;
}

/**
 * {@link importDocument} in the reader thread, within its memory and time budget: what every uploaded document goes
 * through, so that no document can stall the caller's event loop or take the process's memory.
 *
 * @example
 * const { draft } = await importDocumentInWorker(bytes, '实施方案.pdf', { reader: app.luoshi.documentReader });
 * @throws {ImportError} as importDocument, and `resource-limit` past the reader's budget.
 */
export function importDocumentInWorker(
  bytes: Uint8Array,
  fileName: string,
  options: IsolatedImportOptions = {},
): Promise<ImportResult> {
  const reader = options.reader ?? sharedDocumentReader();
  return reader.run({ kind: 'import-document', bytes, fileName, maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES });
}

/** Parses text already read; throws `not-a-plan` when no numbered task is found. */
export function parseSourceText(text: string): PlanDraft {
  const draft = parsePlan(text);
  if (draft.tasks.length === 0) {
    throw new ImportError('not-a-plan', '未找到编号的任务，这不像一份实施方案（no numbered tasks found: not a plan?）');
  }
  return draft;
}

/**
 * What the reader thread can be asked to do, and what it answers: the messages between
 * {@link DocumentReader} (document-reader.ts, in the calling thread) and reader-thread.ts. A new kind of document
 * (a workbook for the import of indicator tables, say) is a new job kind here and a handler in reader-thread.ts.
 */
import type { ImportErrorCode } from '../errors.ts';
import type { ImportResult } from '../index.ts';

/** Read and parse an uploaded plan document (importDocument). */
export interface ImportDocumentJob {
  readonly kind: 'import-document';
  readonly bytes: Uint8Array;
  readonly fileName: string;
  readonly maxBytes: number;
}

export type ReaderJob = ImportDocumentJob;
export type ReaderJobKind = ReaderJob['kind'];

/** The value each kind of job gives back. */
export interface ReaderResults {
  'import-document': ImportResult;
}

export type JobOf<K extends ReaderJobKind> = Extract<ReaderJob, { kind: K }>;

/** What the reader thread is started with (its workerData). */
export interface ThreadData {
  /** Load pdf.js before taking the first job. */
  readonly preloadPdf: boolean;
}

/** The calling thread to the reader thread. */
export interface JobMessage {
  readonly id: number;
  readonly job: ReaderJob;
}

/** The reader thread to the calling thread. */
export type ThreadMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'done'; readonly id: number; readonly value: ReaderResults[ReaderJobKind] }
  | {
      readonly kind: 'failed';
      readonly id: number;
      /** An ImportError's code and message, to be raised again as one; null for any other error (a bug). */
      readonly importError: { readonly code: ImportErrorCode; readonly message: string } | null;
      readonly message: string;
    };

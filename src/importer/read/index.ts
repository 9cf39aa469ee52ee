// CONTRACT (to be implemented): bytes of an uploaded plan document -> its text.
import type { ImportError } from '../errors.ts';

export type DocumentFormat = 'md' | 'txt' | 'docx' | 'pdf';

export interface SourceText {
  text: string;
  format: DocumentFormat;
  /** The character encoding a text file was decoded from ("utf-8", "gb18030", "utf-16le"); null for docx/pdf. */
  encoding: string | null;
}

export interface ReadOptions {
  /** Files larger than this are refused with `too-large`. */
  maxBytes: number;
}

/** Reads a document; throws {@link ImportError} for anything that is not a readable text. */
export declare function readDocument(bytes: Uint8Array, fileName: string, options: ReadOptions): Promise<SourceText>;

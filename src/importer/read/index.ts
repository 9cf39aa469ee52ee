/**
 * The document readers of the plan importer: the bytes of an uploaded plan document in, its text out. The
 * parser works on the returned text, and its source offsets point into exactly this string.
 */
import { ImportError } from '../errors.ts';
import { readDocx } from './docx.ts';
import { readPdf } from './pdf.ts';
import { sniffFormat } from './sniff.ts';
import { decodeText } from './text.ts';

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

/**
 * Reads a document; throws {@link ImportError} for anything that is not a readable text. No other error
 * escapes: a failure inside a reader that it did not anticipate is reported as that format being corrupt.
 *
 * - .txt/.md: decoded (BOM, else UTF-8, else GB18030) and returned as written, CRLF included.
 * - .docx: one line per paragraph, bold runs as `**…**`, table rows as `| a | b |`, page breaks as "\n\f\n".
 * - .pdf: lines rebuilt from the text layer, table columns separated by "\t", pages by "\n\f\n".
 *
 * @example
 * const source = await readDocument(bytes, '实施方案.docx', { maxBytes: 20 * 1024 * 1024 });
 * source.format; // 'docx'
 */
export async function readDocument(bytes: Uint8Array, fileName: string, options: ReadOptions): Promise<SourceText> {
  if (bytes.length > options.maxBytes) {
    throw new ImportError(
      'too-large',
      `文件超过 ${formatMegabytes(options.maxBytes)} MB 的大小上限，无法导入（the file is larger than the ${formatMegabytes(options.maxBytes)} MB limit）`,
    );
  }
  if (isBlank(bytes)) throw empty();

  const format = sniffFormat(bytes, fileName);
  if (format === 'pdf') {
    const text = await guard(() => readPdf(bytes), 'corrupt-pdf');
    return { text, format: 'pdf', encoding: null };
  }
  if (format === 'zip') {
    const text = await guard(async () => readDocx(bytes), 'corrupt-docx');
    if (text.trim() === '') throw empty('Word 文档中没有文字，无法导入（the document contains no text）');
    return { text, format: 'docx', encoding: null };
  }

  const { text, encoding } = await guard(async () => decodeText(bytes), 'binary');
  if (text.trim() === '') throw empty(); // also catches a BOM followed by whitespace, or UTF-16 spaces
  return { text, format: /\.(md|markdown)$/i.test(fileName) ? 'md' : 'txt', encoding };
}

const UNEXPECTED_FAILURE_MESSAGES = {
  'corrupt-pdf': 'PDF 文件已损坏或不完整，无法打开（the PDF file is damaged or truncated）',
  'corrupt-docx': 'Word 文档已损坏或不完整，无法打开（the .docx file is damaged or truncated）',
  binary: '文件内容无法解码为文本（the file could not be decoded as text）',
} as const;

/**
 * Runs a reader, turning anything but an ImportError (a bug, a stack overflow on absurd nesting, a Node built
 * without the GB18030 decoder) into `code`, so that callers only ever see ImportError.
 */
async function guard<T>(read: () => Promise<T>, code: keyof typeof UNEXPECTED_FAILURE_MESSAGES): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw new ImportError(code, UNEXPECTED_FAILURE_MESSAGES[code]);
  }
}

/** True for bytes that are nothing but ASCII whitespace (checked before sniffing, so " " is not "binary"). */
function isBlank(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d));
}

function empty(message = '文件为空，无法导入（the file is empty）'): ImportError {
  return new ImportError('empty', message);
}

function formatMegabytes(bytes: number): string {
  return String(Math.round((bytes / 1024 / 1024) * 10) / 10);
}

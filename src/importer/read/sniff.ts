/**
 * Decides how to read an uploaded file: by its leading bytes first (names lie: a ".doc" is often an HTML page
 * or a renamed .docx), by its name's extension only when the bytes say nothing.
 */
import { ImportError } from '../errors.ts';

export type SniffedFormat = 'pdf' | 'zip' | 'text';

/**
 * The container format of `bytes`, or an `unsupported-format` error for formats we recognise but do not read.
 *
 * @example
 * sniffFormat(new TextEncoder().encode('%PDF-1.7 …'), '方案.pdf'); // 'pdf'
 * @throws {ImportError} `unsupported-format`
 */
export function sniffFormat(bytes: Uint8Array, fileName: string): SniffedFormat {
  const extension = /\.([^./\\]+)$/.exec(fileName.toLowerCase())?.[1] ?? '';

  // pdf.js, like Acrobat, accepts a header after up to a kilobyte of junk; a text file may mention "%PDF-" too,
  // so a late header counts only when the name agrees.
  const pdfHeader = indexOfAscii(bytes.subarray(0, 1024), '%PDF-');
  if (pdfHeader === 0 || (pdfHeader > 0 && extension === 'pdf')) return 'pdf';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) throw compoundFileError(extension);
  if (
    startsWith(
      bytes,
      [...'{\\rtf'].map((char) => char.charCodeAt(0)),
    )
  ) {
    throw new ImportError(
      'unsupported-format',
      '不支持 RTF 格式，请在 Word 或 WPS 中另存为 .docx 后再导入（RTF is not supported: save it as .docx）',
    );
  }
  if (isImage(bytes)) {
    throw new ImportError(
      'unsupported-format',
      '图片无法直接导入，请提供文字版文档或先做文字识别（images are not supported: provide a text document）',
    );
  }

  // The bytes match no container we know: trust the name for formats that cannot be plain text.
  if (extension === 'pdf') return 'pdf'; // pdf.js will report it as corrupt
  if (extension === 'docx' || extension === 'docm') return 'zip'; // so will the zip reader
  if (['doc', 'wps', 'xls', 'xlsx', 'et', 'ppt', 'pptx', 'dps', 'odt', 'ofd'].includes(extension)) {
    throw new ImportError(
      'unsupported-format',
      `不支持 .${extension} 文件，请另存为 .docx、PDF 或文本格式后再导入（.${extension} is not supported: save it as .docx）`,
    );
  }
  return 'text';
}

/**
 * An OLE compound file is a legacy Office document (.doc, .xls, .ppt, WPS's .wps/.et), or a password-protected
 * .docx: Office wraps encrypted OOXML packages in this container.
 */
function compoundFileError(extension: string): ImportError {
  if (['docx', 'docm', 'xlsx', 'pptx'].includes(extension)) {
    return new ImportError(
      'unsupported-format',
      '该 Office 文件已加密或实为旧版格式，请去除打开密码并另存为 .docx 后再导入（encrypted or legacy Office file: remove the password and save it as .docx）',
    );
  }
  if (['xls', 'et'].includes(extension)) {
    return new ImportError(
      'unsupported-format',
      '不支持 Excel 表格（.xls），请提供 Word（.docx）、PDF 或文本格式的方案（spreadsheets are not supported）',
    );
  }
  if (['ppt', 'dps'].includes(extension)) {
    return new ImportError(
      'unsupported-format',
      '不支持 PowerPoint 演示文稿（.ppt），请提供 Word（.docx）、PDF 或文本格式的方案（presentations are not supported）',
    );
  }
  return new ImportError(
    'unsupported-format',
    '不支持旧版 Word（.doc）格式，请在 Word 或 WPS 中另存为 .docx 后再导入（legacy .doc is not supported: save it as .docx）',
  );
}

function isImage(bytes: Uint8Array): boolean {
  return (
    startsWith(bytes, [0x89, 0x50, 0x4e, 0x47]) || // PNG
    startsWith(bytes, [0xff, 0xd8, 0xff]) || // JPEG
    startsWith(bytes, [0x47, 0x49, 0x46, 0x38]) || // GIF
    startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || // TIFF, little-endian
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]) // TIFF, big-endian
  );
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.length <= bytes.length && prefix.every((byte, index) => bytes[index] === byte);
}

function indexOfAscii(bytes: Uint8Array, ascii: string): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(ascii, 0, 'latin1');
}

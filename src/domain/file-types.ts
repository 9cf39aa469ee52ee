/**
 * Which uploaded files are accepted as attachments (evidence for reports, close-outs, notices …), decided by the
 * content's leading bytes and structure AND by the name's extension: both must name the same type. A name alone
 * lies (an `.exe` renamed `.pdf`), and so can bytes alone (an HTML page is valid UTF-8 text); requiring both keeps
 * out what a browser or an office suite would treat as something else.
 *
 * Accepted (the documents a government office exchanges as evidence):
 *
 * | type | extensions | recognised by |
 * | --- | --- | --- |
 * | PDF | .pdf | `%PDF-` at byte 0 |
 * | OFD (GB/T 33190, the national fixed-layout format) | .ofd | a zip with `OFD.xml` at its root |
 * | Word, Excel, PowerPoint (OOXML) | .docx .xlsx .pptx | a zip with `[Content_Types].xml` and `word/`, `xl/` or `ppt/` parts |
 * | Word, Excel, PowerPoint 97–2003 | .doc .xls .ppt | an OLE compound file with a `WordDocument`, `Workbook`/`Book` or `PowerPoint Document` stream |
 * | images | .png .jpg .jpeg .gif | their signatures |
 * | text | .txt .csv | valid UTF-8 (a BOM allowed) without NUL or other control characters but tab, line breaks and form feed |
 *
 * Refused: everything else, notably archives (.zip, .rar, .7z: their contents cannot be vouched for, and they are
 * the usual wrapping for malware — attach the documents themselves), HTML, SVG, XML and scripts (active content in
 * a browser), executables, WPS's own .wps/.et/.dps (save as .docx/.xlsx/.pptx), text in GBK (save as UTF-8); and
 * Office files with macros (a `vbaProject.bin` part, a `Macros` or `_VBA_PROJECT` storage) or encrypted with a
 * password (which also hides what they contain).
 *
 * Pure: no I/O; the zip's central directory and the compound file's directory are read, nothing is inflated.
 */
import { unzipSync } from 'fflate';
import { fileExtension } from './file-names.ts';

export type FileKind =
  'pdf' | 'ofd' | 'docx' | 'xlsx' | 'pptx' | 'doc' | 'xls' | 'ppt' | 'png' | 'jpeg' | 'gif' | 'txt' | 'csv';

export interface FileKindInfo {
  /** The media type the file is stored and served with. */
  readonly mediaType: string;
  /** Extensions that name it, lower case, without the dot. */
  readonly extensions: readonly string[];
  /** What to call it in a message: 'PDF 文档'. */
  readonly label: string;
}

export const FILE_KINDS: Readonly<Record<FileKind, FileKindInfo>> = {
  pdf: { mediaType: 'application/pdf', extensions: ['pdf'], label: 'PDF 文档' },
  ofd: { mediaType: 'application/ofd', extensions: ['ofd'], label: 'OFD 版式文档' },
  docx: {
    mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    extensions: ['docx'],
    label: 'Word 文档（.docx）',
  },
  xlsx: {
    mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extensions: ['xlsx'],
    label: 'Excel 表格（.xlsx）',
  },
  pptx: {
    mediaType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    extensions: ['pptx'],
    label: 'PowerPoint 演示文稿（.pptx）',
  },
  doc: { mediaType: 'application/msword', extensions: ['doc'], label: 'Word 97–2003 文档（.doc）' },
  xls: { mediaType: 'application/vnd.ms-excel', extensions: ['xls'], label: 'Excel 97–2003 表格（.xls）' },
  ppt: {
    mediaType: 'application/vnd.ms-powerpoint',
    extensions: ['ppt'],
    label: 'PowerPoint 97–2003 演示文稿（.ppt）',
  },
  png: { mediaType: 'image/png', extensions: ['png'], label: 'PNG 图片' },
  jpeg: { mediaType: 'image/jpeg', extensions: ['jpg', 'jpeg'], label: 'JPEG 图片' },
  gif: { mediaType: 'image/gif', extensions: ['gif'], label: 'GIF 图片' },
  txt: { mediaType: 'text/plain', extensions: ['txt'], label: '文本' },
  csv: { mediaType: 'text/csv', extensions: ['csv'], label: 'CSV 表格' },
};

/** Every accepted extension, for messages and for the upload form's `accept`. */
export const ACCEPTED_EXTENSIONS: readonly string[] = Object.values(FILE_KINDS).flatMap((info) => info.extensions);

const ACCEPTED_LIST = ACCEPTED_EXTENSIONS.map((extension) => `.${extension}`).join(' ');

/** What the bytes are, as far as the sniffing goes: a type, text, or a refusal of the content as such. */
type Sniffed =
  | { readonly kind: Exclude<FileKind, 'txt' | 'csv'> }
  | { readonly kind: 'text' }
  | { readonly refused: 'macros' | 'encrypted' | 'unknown'; readonly what?: string };

export type FileTypeVerdict =
  | { readonly ok: true; readonly kind: FileKind; readonly mediaType: string }
  | {
      readonly ok: false;
      /** empty: no bytes; unlisted: the extension is not accepted; mismatch: the content is another type; refused: the content itself is not accepted. */
      readonly reason: 'empty' | 'unlisted' | 'mismatch' | 'refused';
      /** Chinese first, English in brackets, fit to show the user. */
      readonly message: string;
    };

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.length <= bytes.length && prefix.every((byte, index) => bytes[index] === byte);
}

const ascii = (text: string): number[] => [...text].map((char) => char.charCodeAt(0));

const PDF = ascii('%PDF-');
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const GIF87 = ascii('GIF87a');
const GIF89 = ascii('GIF89a');
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/** The entry names of a zip, from its central directory; null when it is not a readable zip. */
function zipEntryNames(bytes: Uint8Array): string[] | null {
  const names: string[] = [];
  try {
    unzipSync(bytes, {
      filter: (file) => {
        names.push(file.name);
        return false;
      },
    });
  } catch {
    return null;
  }
  return names;
}

function sniffZip(bytes: Uint8Array): Sniffed {
  const names = zipEntryNames(bytes);
  if (names === null) return { refused: 'unknown', what: '损坏的压缩包（a damaged zip）' };
  const lower = names.map((name) => name.toLowerCase());
  if (lower.some((name) => name.endsWith('vbaproject.bin'))) return { refused: 'macros' };
  if (names.includes('OFD.xml')) return { kind: 'ofd' };
  if (names.includes('[Content_Types].xml')) {
    const families = (['word/', 'xl/', 'ppt/'] as const).filter((prefix) => lower.some((n) => n.startsWith(prefix)));
    if (families.length === 1) {
      return { kind: families[0] === 'word/' ? 'docx' : families[0] === 'xl/' ? 'xlsx' : 'pptx' };
    }
  }
  return { refused: 'unknown', what: 'ZIP 压缩包（a zip archive）' };
}

const END_OF_CHAIN = 0xfffffffe;
const MAX_SECTOR_VISITS = 100_000;

/**
 * The names of the storages and streams of an OLE compound file ([MS-CFB]): its directory sectors, followed
 * through the FAT. Null when the structure is damaged (a pointer outside the file, a loop).
 */
function compoundFileNames(bytes: Uint8Array): string[] | null {
  if (bytes.length < 512) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sectorShift = view.getUint16(0x1e, true);
  if (sectorShift !== 9 && sectorShift !== 12) return null;
  const sectorSize = 1 << sectorShift;
  const sectorOffset = (sector: number) => (sector + 1) * sectorSize;
  const inFile = (sector: number) => sector < END_OF_CHAIN - 16 && sectorOffset(sector) + sectorSize <= bytes.length;

  // The FAT's own sectors: 109 in the header, then a chain of DIFAT sectors for large files.
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) fatSectors.push(view.getUint32(0x4c + i * 4, true));
  let difat = view.getUint32(0x44, true);
  for (let visits = 0; difat !== END_OF_CHAIN && difat !== 0xffffffff; visits++) {
    if (!inFile(difat) || visits > MAX_SECTOR_VISITS) return null;
    const base = sectorOffset(difat);
    const perSector = sectorSize / 4 - 1;
    for (let i = 0; i < perSector; i++) fatSectors.push(view.getUint32(base + i * 4, true));
    difat = view.getUint32(base + perSector * 4, true);
  }
  const next = (sector: number): number | null => {
    const perSector = sectorSize / 4;
    const fatSector = fatSectors[Math.floor(sector / perSector)];
    if (fatSector === undefined || !inFile(fatSector)) return null;
    return view.getUint32(sectorOffset(fatSector) + (sector % perSector) * 4, true);
  };

  const names: string[] = [];
  const seen = new Set<number>();
  let sector: number | null = view.getUint32(0x30, true);
  while (sector !== END_OF_CHAIN) {
    if (sector === null || !inFile(sector) || seen.has(sector) || seen.size > MAX_SECTOR_VISITS) return null;
    seen.add(sector);
    const base = sectorOffset(sector);
    for (let entry = base; entry < base + sectorSize; entry += 128) {
      const type = bytes[entry + 0x42];
      const length = view.getUint16(entry + 0x40, true);
      // 1 storage, 2 stream, 5 root; the name is UTF-16LE with its terminating NUL counted in `length`.
      if ((type === 1 || type === 2) && length >= 2 && length <= 64) {
        names.push(Buffer.from(bytes.subarray(entry, entry + length - 2)).toString('utf16le'));
      }
    }
    sector = next(sector);
  }
  return names;
}

function sniffCompoundFile(bytes: Uint8Array): Sniffed {
  const names = compoundFileNames(bytes);
  if (names === null) return { refused: 'unknown', what: '损坏的 Office 文件（a damaged Office file）' };
  // Office wraps a password-protected .docx/.xlsx/.pptx in a compound file with these streams.
  if (names.includes('EncryptedPackage') || names.includes('EncryptionInfo')) return { refused: 'encrypted' };
  if (names.some((name) => name === 'Macros' || name === '_VBA_PROJECT_CUR' || name === '_VBA_PROJECT')) {
    return { refused: 'macros' };
  }
  if (names.includes('WordDocument')) return { kind: 'doc' };
  if (names.includes('Workbook') || names.includes('Book')) return { kind: 'xls' };
  if (names.includes('PowerPoint Document')) return { kind: 'ppt' };
  return { refused: 'unknown', what: 'OLE 复合文档（an OLE compound file）' };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Tab, line feed, form feed and carriage return: the only control characters plain text may hold. */
const TEXT_CONTROLS: ReadonlySet<number> = new Set([0x09, 0x0a, 0x0c, 0x0d]);

/**
 * Text: strict UTF-8, and no control character but tab, line breaks and form feed. Controls are single bytes in
 * UTF-8 (no byte of a multi-byte sequence is below 0x80), so the bytes are scanned as they are.
 */
function isPlainText(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if ((byte < 0x20 && !TEXT_CONTROLS.has(byte)) || byte === 0x7f) return false;
  }
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function sniff(bytes: Uint8Array): Sniffed {
  if (startsWith(bytes, PDF)) return { kind: 'pdf' };
  if (startsWith(bytes, PNG)) return { kind: 'png' };
  if (startsWith(bytes, JPEG)) return { kind: 'jpeg' };
  if (startsWith(bytes, GIF87) || startsWith(bytes, GIF89)) return { kind: 'gif' };
  if (startsWith(bytes, ZIP)) return sniffZip(bytes);
  if (startsWith(bytes, OLE)) return sniffCompoundFile(bytes);
  if (isPlainText(bytes)) return { kind: 'text' };
  return { refused: 'unknown' };
}

function refusal(reason: 'unlisted' | 'mismatch' | 'refused', zh: string, en: string): FileTypeVerdict {
  return { ok: false, reason, message: `${zh}。可上传的类型：${ACCEPTED_LIST}（${en}）` };
}

/**
 * Whether a file is accepted as an attachment, from its bytes and its (already safe) name; see the module comment.
 *
 * @example
 * checkFileType(pdfBytes, '验收报告.pdf'); // { ok: true, kind: 'pdf', mediaType: 'application/pdf' }
 * checkFileType(pdfBytes, '验收报告.docx'); // { ok: false, reason: 'mismatch', message: '文件内容是 PDF 文档，与扩展名 .docx 不符…' }
 * checkFileType(bytes, 'setup.exe'); // { ok: false, reason: 'unlisted', … }
 */
export function checkFileType(bytes: Uint8Array, name: string): FileTypeVerdict {
  if (bytes.length === 0) return { ok: false, reason: 'empty', message: '文件为空（the file is empty）' };
  const extension = fileExtension(name);
  const named = (Object.keys(FILE_KINDS) as FileKind[]).find((kind) => FILE_KINDS[kind].extensions.includes(extension));
  if (named === undefined) {
    return extension === ''
      ? refusal('unlisted', '文件名没有扩展名，无法确定类型', 'the file name has no extension')
      : refusal('unlisted', `不支持 .${extension} 文件`, `.${extension} files are not accepted`);
  }
  const sniffed = sniff(bytes);
  if ('refused' in sniffed) {
    switch (sniffed.refused) {
      case 'macros':
        return refusal('refused', '文件含有宏，请另存为不含宏的格式', 'files with macros are not accepted');
      case 'encrypted':
        return refusal('refused', '文件已加密，请去除打开密码后再上传', 'password-protected files are not accepted');
      case 'unknown':
        return refusal(
          'mismatch',
          `文件内容${sniffed.what === undefined ? '无法识别' : `是${sniffed.what}`}，与扩展名 .${extension} 不符`,
          `the content is not a .${extension} file`,
        );
    }
  }
  const kind: FileKind = sniffed.kind === 'text' ? (named === 'csv' ? 'csv' : 'txt') : sniffed.kind;
  if (kind !== named) {
    const label = sniffed.kind === 'text' ? '文本' : FILE_KINDS[kind].label;
    return refusal(
      'mismatch',
      `文件内容是${label}，与扩展名 .${extension} 不符`,
      `the content is ${kind === 'txt' ? 'text' : kind}, not .${extension}`,
    );
  }
  return { ok: true, kind, mediaType: FILE_KINDS[kind].mediaType };
}

/** The media types a browser shows inline without running anything: images and plain text. */
const INLINE_MEDIA_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'text/plain']);

const SERVED_MEDIA_TYPES: ReadonlySet<string> = new Set(Object.values(FILE_KINDS).map((info) => info.mediaType));

/**
 * How stored content is sent back: its media type (with `charset=utf-8` for text; `application/octet-stream` for
 * any type not in the accepted list, so that nothing stored elsewhere is served as HTML, SVG, XML or script), and
 * whether a browser may show it inline. Only images and plain text are inline; PDF is not (a PDF may carry scripts
 * and forms, and the sandboxing policy that would contain them also stops browsers' PDF viewers), nor are Office
 * files, nor anything unknown.
 *
 * @example
 * servedAs('image/png'); // { contentType: 'image/png', inline: true }
 * servedAs('text/html'); // { contentType: 'application/octet-stream', inline: false }
 */
export function servedAs(mediaType: string): { contentType: string; inline: boolean } {
  const type = mediaType.trim().toLowerCase();
  if (!SERVED_MEDIA_TYPES.has(type)) return { contentType: 'application/octet-stream', inline: false };
  return {
    contentType: type.startsWith('text/') ? `${type}; charset=utf-8` : type,
    inline: INLINE_MEDIA_TYPES.has(type),
  };
}

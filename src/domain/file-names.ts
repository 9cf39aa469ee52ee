/**
 * Names of uploaded files (attachments): made safe once, before they are stored, and sent back in a
 * Content-Disposition header that every browser reads the same way. The name is only ever shown and offered as the
 * name to save under; it never becomes a path on the server (stored content is addressed by its hash), so these
 * rules protect the people who download the file and the pages that show the name:
 *
 * - only the last path component is kept (`../../etc/passwd` → `passwd`, `C:\Users\张三\报告.pdf` → `报告.pdf`);
 * - control characters, line and paragraph separators, and invisible format characters go — among them the bidi
 *   overrides and isolates that make `报告‮fdp.exe` look like `报告exe.pdf`, zero-width spaces and BOMs;
 * - characters Windows forbids in names (`< > : " | ? *`) and look-alike slashes become `_`;
 * - leading dots (hidden files) and trailing dots and spaces (Windows drops them) are removed;
 * - a reserved Windows device name (`CON`, `NUL`, `COM1`, `LPT1`, … with any extension) gets a leading `_`;
 * - the result is at most 255 bytes of UTF-8 (the limit of common file systems), cut between whole characters
 *   (grapheme clusters) of the stem so that the extension stays; Chinese stays as it is (NFC).
 *
 * Pure: no I/O.
 */

/** The longest name kept, in bytes of UTF-8: the limit of ext4, NTFS (in UTF-16 units, more than enough) and APFS. */
export const MAX_FILE_NAME_BYTES = 255;

/** The name given to a file whose name has nothing left once made safe. */
export const FALLBACK_FILE_NAME = '未命名文件';

// C0 and C1 controls, DEL, and the line and paragraph separators: a name is one line of text.
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]/gu;
// Invisible format characters (bidi embeddings, overrides, isolates and marks, zero-width spaces and joiners, soft
// hyphens, BOMs, tag characters) and lone surrogate halves: they change how a name looks, not what it says.
const INVISIBLE = /[\p{Cf}\p{Cs}]/gu;
// Forbidden in Windows names, and characters that look like (or are mapped by Windows' best-fit code pages to) a
// path separator: full-width solidus and reverse solidus, division and fraction slashes.
const FORBIDDEN = /[<>:"|?*\uFF0F\uFF3C\u2215\u2044\u29F8\u29F9]/g;
const SEPARATOR = /[/\\]/;
const SPACES = /\p{Zs}+/gu;
// DOS device names, reserved whatever the extension (`con.txt` opens the console); also with superscript digits.
const WINDOWS_DEVICE = /^(?:con|prn|aux|nul|com[0-9\u00B9\u00B2\u00B3]|lpt[0-9\u00B9\u00B2\u00B3]|conin\$|conout\$)$/i;
/** An extension worth keeping when the name is cut: a dot and a few letters or digits. */
const EXTENSION = /\.[\p{L}\p{N}]{1,16}$/u;

const graphemes = new Intl.Segmenter('zh', { granularity: 'grapheme' });

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Leading dots and spaces, and trailing dots and spaces, removed. */
function trimDotsAndSpaces(text: string): string {
  return text.replace(/^[. ]+/, '').replace(/[. ]+$/, '');
}

/** The stem cut, between grapheme clusters, so that stem + extension fits in `maxBytes`. */
function truncate(stem: string, extension: string, maxBytes: number): string {
  const budget = maxBytes - utf8Length(extension);
  let kept = '';
  let used = 0;
  for (const { segment } of graphemes.segment(stem)) {
    const size = utf8Length(segment);
    if (used + size > budget) break;
    kept += segment;
    used += size;
  }
  return trimDotsAndSpaces(kept);
}

/**
 * The name an uploaded file is stored and shown under (see the module comment for the rules).
 *
 * @example
 * safeFileName('../../etc/passwd'); // 'passwd'
 * safeFileName('C:\\Users\\张三\\验收报告.pdf'); // '验收报告.pdf'
 * safeFileName('报告\u202Efdp.exe'); // '报告fdp.exe' (the override that showed it as 报告exe.pdf is gone)
 * safeFileName('CON.txt'); // '_CON.txt'
 * safeFileName('  ...  '); // '未命名文件'
 */
export function safeFileName(raw: string): string {
  // Normalised after the invisible characters go: removing one may leave a letter and its combining mark adjacent.
  let name = raw.replace(INVISIBLE, '').replace(CONTROL, ' ').normalize('NFC');
  name = name.split(SEPARATOR).pop() ?? '';
  name = name.replace(FORBIDDEN, '_').replace(SPACES, ' ');
  name = trimDotsAndSpaces(name);
  if (name === '') return FALLBACK_FILE_NAME;
  const device = (name.split('.')[0] ?? '').replace(/ +$/, '');
  if (WINDOWS_DEVICE.test(device)) name = `_${name}`;
  if (utf8Length(name) <= MAX_FILE_NAME_BYTES) return name;
  const extension = EXTENSION.exec(name)?.[0] ?? '';
  const stem = truncate(name.slice(0, name.length - extension.length), extension, MAX_FILE_NAME_BYTES);
  return stem === '' ? truncate(name, '', MAX_FILE_NAME_BYTES) : `${stem}${extension}`;
}

/**
 * The extension of a name, lower case and without the dot; '' when it has none.
 *
 * @example
 * fileExtension('验收报告.PDF'); // 'pdf'
 * fileExtension('README'); // ''
 */
export function fileExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** RFC 8187 (was 5987) `attr-char`s are left as they are; everything else is percent-encoded UTF-8. */
function encodeExtValue(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The ASCII stand-in for `filename=`, for the few clients that ignore `filename*`: accents dropped, other
 * non-ASCII characters and the characters that are unsafe in a quoted string or that some browsers decode
 * (`"`, `\`, `%`) replaced; a name left with no letter or digit becomes `attachment` plus its extension.
 */
function asciiFileName(name: string): string {
  const extension = fileExtension(name).replace(/[^A-Za-z0-9]/g, '');
  const stem = (extension === '' ? name : name.slice(0, name.lastIndexOf('.')))
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7E]|["\\%;]/g, '_')
    .replace(/_{2,}/g, '_')
    .trim();
  const suffix = extension === '' ? '' : `.${extension}`;
  return /[A-Za-z0-9]/.test(stem) ? `${stem}${suffix}` : `attachment${suffix}`;
}

/**
 * A Content-Disposition header value (RFC 6266): `filename*` with the name in UTF-8 (RFC 8187), and an ASCII
 * `filename` for clients that do not read it. The name should have been made safe by {@link safeFileName}.
 *
 * @example
 * contentDisposition('attachment', '验收报告.pdf');
 * // `attachment; filename="attachment.pdf"; filename*=UTF-8''%E9%AA%8C%E6%94%B6%E6%8A%A5%E5%91%8A.pdf`
 */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  return `${type}; filename="${asciiFileName(name)}"; filename*=UTF-8''${encodeExtValue(name)}`;
}

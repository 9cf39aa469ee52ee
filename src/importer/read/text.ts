/**
 * Decodes a plain-text or Markdown plan. Chinese government offices still save text as GBK/GB2312 as often as
 * UTF-8, so after a byte-order mark and strict UTF-8 we try GB18030 (a superset of both). The decoded text is
 * returned exactly as written apart from the BOM: the parser's offsets point into it.
 */
import { ImportError } from '../errors.ts';

export type TextEncoding = 'utf-8' | 'gb18030' | 'utf-16le' | 'utf-16be';

export interface DecodedText {
  text: string;
  encoding: TextEncoding;
}

/**
 * Decodes `bytes` as text, or throws `binary` when they are not text in a supported encoding.
 *
 * @example
 * decodeText(new Uint8Array([0xd6, 0xd0, 0xce, 0xc4])); // { text: '中文', encoding: 'gb18030' }
 * @throws {ImportError} `binary`
 */
export function decodeText(bytes: Uint8Array): DecodedText {
  const withBom = decodeWithBom(bytes);
  if (withBom) return checkText(withBom);

  // A NUL byte never occurs in UTF-8 or GB18030 text; it is the quickest sign of a binary file.
  if (bytes.includes(0)) throw binary();

  for (const encoding of ['utf-8', 'gb18030'] as const) {
    const text = decodeStrict(bytes, encoding);
    if (text !== undefined) return checkText({ text, encoding });
  }
  throw binary();
}

function decodeWithBom(bytes: Uint8Array): DecodedText | undefined {
  const [first, second, third] = bytes;
  let encoding: TextEncoding | undefined;
  let bomLength = 0;
  if (first === 0xef && second === 0xbb && third === 0xbf) [encoding, bomLength] = ['utf-8', 3];
  else if (first === 0xff && second === 0xfe) [encoding, bomLength] = ['utf-16le', 2];
  else if (first === 0xfe && second === 0xff) [encoding, bomLength] = ['utf-16be', 2];
  if (!encoding) return undefined;

  // The BOM decides the encoding; bytes that are invalid in it make the file binary, not another encoding.
  const text = decodeStrict(bytes.subarray(bomLength), encoding);
  if (text === undefined) throw binary();
  return { text, encoding };
}

/** Decodes with a fatal decoder (no U+FFFD substitution) and without BOM handling; undefined if invalid. */
function decodeStrict(bytes: Uint8Array, encoding: TextEncoding): string | undefined {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Rejects decoded text that is mostly control characters: a file that happens to decode (GB18030 accepts many
 * byte pairs) but is not prose. Tab, newline, carriage return and form feed are ordinary in text; a stray
 * vertical tab or Ctrl-Z (pasted from Word, or a DOS end-of-file mark) is tolerated up to 1% of the text.
 */
function checkText(decoded: DecodedText): DecodedText {
  let controls = 0;
  for (const char of decoded.text) {
    const code = char.codePointAt(0) ?? 0;
    if (code === 0) throw binary();
    const isControl =
      (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d && code !== 0x0c) || code === 0x7f;
    if (isControl) controls++;
  }
  if (controls > Math.max(2, decoded.text.length / 100)) throw binary();
  return decoded;
}

function binary(): ImportError {
  return new ImportError(
    'binary',
    '文件不是文本、Word（.docx）或 PDF 文档，无法识别其内容（the file is not text, .docx or PDF）',
  );
}

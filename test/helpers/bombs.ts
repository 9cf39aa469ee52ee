/**
 * Decompression bombs for the tests of finding 5 (issue 9): a .docx whose central directory declares a small
 * part that inflates to a gigabyte, and a PDF whose FlateDecode content stream does the same. They are built
 * without ever holding the inflated bytes: one compressed block is repeated, so a 1 GiB bomb costs one to two
 * megabytes and a few milliseconds to make.
 */
import { constants, deflateRawSync } from 'node:zlib';
import { strToU8 } from 'fflate';

export const GIB = 1024 * 1024 * 1024;
const MIB = 1024 * 1024;

/**
 * A raw deflate stream that inflates to `head` followed by `inflatedBytes` of `unit` repeated. Each 1 MiB of the
 * repeated text is one compressed run, full-flushed so that it stands alone (no back-reference reaches into the
 * run before it), and the runs are simply concatenated; an empty final block ends the stream.
 *
 * @example
 * const bomb = deflateBomb(GIB, ' '); // ≈ 1 MB that inflates to 1 GiB of spaces
 */
export function deflateBomb(inflatedBytes: number, unit: string, head = ''): Uint8Array {
  const block = strToU8(unit.repeat(Math.ceil(MIB / unit.length)).slice(0, MIB));
  const full = { finishFlush: constants.Z_FULL_FLUSH, level: 9 };
  const headRun = head === '' ? new Uint8Array(0) : deflateRawSync(strToU8(head), full);
  const run = deflateRawSync(block, full);
  const runs = Math.ceil(inflatedBytes / block.length);
  const finalBlock = [0x03, 0x00]; // BFINAL=1, fixed Huffman, end-of-block
  const out = new Uint8Array(headRun.length + run.length * runs + finalBlock.length);
  out.set(headRun, 0);
  for (let i = 0; i < runs; i++) out.set(run, headRun.length + i * run.length);
  out.set(finalBlock, headRun.length + run.length * runs);
  return out;
}

export interface RawZipEntry {
  name: string;
  /** The stored bytes: deflated data for method 8, the content itself for method 0. */
  data: Uint8Array;
  method: 0 | 8;
  /** The uncompressed size written in the local header and the central directory: whatever the test claims. */
  declaredSize: number;
}

/**
 * A zip written field by field, so that a test can declare sizes that are not true (fflate's zipSync only writes
 * honest ones). CRCs are written as 0: readers that check them (not ours) would refuse these files anyway.
 */
export function rawZip(entries: readonly RawZipEntry[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = strToU8(entry.name);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, 0x0800, true); // UTF-8 names
    lv.setUint16(8, entry.method, true);
    lv.setUint16(12, 0x21, true); // 1980-01-01
    lv.setUint32(18, entry.data.length, true);
    lv.setUint32(22, entry.declaredSize, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x0800, true);
    cv.setUint16(10, entry.method, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(20, entry.data.length, true);
    cv.setUint32(24, entry.declaredSize, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local, entry.data);
    centrals.push(central);
    offset += local.length + entry.data.length;
  }
  const directorySize = centrals.reduce((sum, c) => sum + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, directorySize, true);
  ev.setUint32(16, offset, true);
  const parts = [...locals, ...centrals, end];
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** An honestly declared deflated entry. */
export function deflatedEntry(name: string, text: string): RawZipEntry {
  const data = strToU8(text);
  return { name, data: deflateRawSync(data), method: 8, declaredSize: data.length };
}

const DOCX_HEAD =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
  '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>';

/**
 * A .docx whose word/document.xml inflates to `inflatedBytes` of paragraphs while the central directory and the
 * local header declare it 2 KB: finding 5's bomb (1 GiB from about 1.6 MB).
 */
export function docxBomb(inflatedBytes = GIB): Uint8Array {
  return rawZip([
    deflatedEntry(
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
        '</Types>',
    ),
    deflatedEntry(
      '_rels/.rels',
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
        '</Relationships>',
    ),
    {
      name: 'word/document.xml',
      data: deflateBomb(inflatedBytes, '<w:p/>', DOCX_HEAD),
      method: 8,
      declaredSize: 2048,
    },
  ]);
}

/**
 * A one-page PDF whose content stream (/FlateDecode, zlib-wrapped as PDF wants) inflates to `inflatedBytes` of
 * spaces. pdf.js inflates it inside its own code, into buffers outside the JavaScript heap.
 */
export function pdfFlateBomb(inflatedBytes = GIB): Uint8Array {
  // zlib header (deflate, default level), the raw stream, and an Adler-32 pdf.js never checks.
  const stream = deflateBomb(inflatedBytes, ' ');
  const body = new Uint8Array(2 + stream.length + 4);
  body.set([0x78, 0x9c], 0);
  body.set(stream, 2);
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
  ];
  const chunks: Uint8Array[] = [];
  const offsets: number[] = [];
  let length = 0;
  const add = (chunk: Uint8Array | string) => {
    const bytes = typeof chunk === 'string' ? strToU8(chunk) : chunk;
    chunks.push(bytes);
    length += bytes.length;
  };
  add('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  objects.forEach((object, i) => {
    offsets.push(length);
    add(`${i + 1} 0 obj\n${object}\nendobj\n`);
  });
  offsets.push(length);
  add(`4 0 obj\n<< /Length ${body.length} /Filter /FlateDecode >>\nstream\n`);
  add(body);
  add('\nendstream\nendobj\n');
  const xref = length;
  add(`xref\n0 5\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`);
  add(`trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

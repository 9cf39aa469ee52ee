/**
 * Sample files for the attachment tests, each the smallest thing its real format would be recognised by: a PDF
 * header, image signatures, OOXML and OFD packages (real zips), and OLE compound files with a directory built by
 * hand ([MS-CFB]: a header, one FAT sector, directory sectors chained through it).
 */
import { Paragraph } from 'docx';
import { packDocx, zipFiles } from './helpers/docx.ts';

export const pdfBytes = (text = '验收报告'): Buffer =>
  Buffer.concat([Buffer.from('%PDF-1.7\n%âãÏÓ\n'), Buffer.from(`% ${text}\n%%EOF\n`)]);

export const pngBytes = (): Buffer =>
  Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

export const jpegBytes = (): Buffer => Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');

export const gifBytes = (): Buffer => Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');

export const docxBytes = async (): Promise<Uint8Array> => packDocx([{ children: [new Paragraph('验收报告')] }]);

const CONTENT_TYPES =
  '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';

export const xlsxBytes = (): Uint8Array =>
  zipFiles({
    '[Content_Types].xml': CONTENT_TYPES,
    'xl/workbook.xml': '<workbook/>',
    '_rels/.rels': '<Relationships/>',
  });

export const pptxBytes = (): Uint8Array =>
  zipFiles({ '[Content_Types].xml': CONTENT_TYPES, 'ppt/presentation.xml': '<presentation/>' });

export const ofdBytes = (): Uint8Array =>
  zipFiles({ 'OFD.xml': '<ofd:OFD/>', 'Doc_0/Document.xml': '<ofd:Document/>' });

/** A .docm-like package: a Word document with a VBA project. */
export const macroDocxBytes = (): Uint8Array =>
  zipFiles({
    '[Content_Types].xml': CONTENT_TYPES,
    'word/document.xml': '<w:document/>',
    'word/vbaProject.bin': 'VBA',
  });

export const zipBytes = (): Uint8Array => zipFiles({ 'setup.exe': 'MZ', 'readme.txt': '安装说明' });

const SECTOR = 512;
const FREE = 0xffffffff;
const END_OF_CHAIN = 0xfffffffe;
const FAT_SECTOR = 0xfffffffd;

/**
 * An OLE compound file whose root storage holds streams with these names (`WordDocument` makes a .doc,
 * `Workbook` an .xls, `PowerPoint Document` a .ppt, `EncryptedPackage` an encrypted OOXML file).
 */
export function compoundFileBytes(streamNames: readonly string[]): Buffer {
  const entries = [{ name: 'Root Entry', type: 5 }, ...streamNames.map((name) => ({ name, type: 2 }))];
  const directorySectors = Math.ceil(entries.length / (SECTOR / 128));
  const file = Buffer.alloc(SECTOR * (2 + directorySectors), 0);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(file, 0);
  file.writeUInt16LE(0x3e, 0x18); // minor version
  file.writeUInt16LE(3, 0x1a); // major version 3: 512-byte sectors
  file.writeUInt16LE(0xfffe, 0x1c); // byte order
  file.writeUInt16LE(9, 0x1e); // sector shift
  file.writeUInt16LE(6, 0x20); // mini sector shift
  file.writeUInt32LE(1, 0x2c); // FAT sectors
  file.writeUInt32LE(1, 0x30); // first directory sector
  file.writeUInt32LE(0x1000, 0x38); // mini stream cutoff
  file.writeUInt32LE(END_OF_CHAIN, 0x3c); // no mini FAT
  file.writeUInt32LE(END_OF_CHAIN, 0x44); // no DIFAT sectors
  for (let i = 0; i < 109; i++) file.writeUInt32LE(i === 0 ? 0 : FREE, 0x4c + i * 4);
  // Sector 0 is the FAT: itself, then the directory's chain 1 → 2 → … → end.
  const fat = SECTOR;
  for (let i = 0; i < SECTOR / 4; i++) file.writeUInt32LE(FREE, fat + i * 4);
  file.writeUInt32LE(FAT_SECTOR, fat);
  for (let s = 1; s <= directorySectors; s++)
    file.writeUInt32LE(s === directorySectors ? END_OF_CHAIN : s + 1, fat + s * 4);
  entries.forEach((entry, index) => {
    const at = SECTOR * 2 + index * 128;
    const name = Buffer.from(entry.name, 'utf16le');
    name.copy(file, at);
    file.writeUInt16LE(name.length + 2, at + 0x40);
    file[at + 0x42] = entry.type;
    file.writeUInt32LE(FREE, at + 0x44); // left sibling
    file.writeUInt32LE(FREE, at + 0x48); // right sibling
    file.writeUInt32LE(entry.type === 5 && entries.length > 1 ? 1 : FREE, at + 0x4c); // child
  });
  return file;
}

/** A multipart/form-data body, as a browser's FormData would send it. */
export async function uploadForm(
  fields: Record<string, string>,
  file?: { name: string; bytes: Uint8Array; type?: string },
): Promise<{ headers: Record<string, string>; payload: Buffer }> {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  if (file !== undefined) {
    data.append('file', new Blob([file.bytes], { type: file.type ?? 'application/octet-stream' }), file.name);
  }
  const request = new Request('http://localhost/', { method: 'POST', body: data });
  return {
    headers: { 'content-type': request.headers.get('content-type') ?? '' },
    payload: Buffer.from(await request.arrayBuffer()),
  };
}

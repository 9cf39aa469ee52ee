// Attachment types decided by content AND extension: accepted pairs, mismatches, unlisted types, macros,
// encryption, damaged containers; and how stored types are served (inline only for images and plain text).
import { describe, expect, it } from 'vitest';
import { checkFileType, servedAs } from '../../src/domain/file-types.ts';
import {
  compoundFileBytes,
  docxBytes,
  gifBytes,
  jpegBytes,
  macroDocxBytes,
  ofdBytes,
  pdfBytes,
  pngBytes,
  pptxBytes,
  xlsxBytes,
  zipBytes,
} from '../attachment-files.ts';

const utf8 = (text: string) => Buffer.from(text, 'utf8');

describe('checkFileType', () => {
  it('accepts each listed type when content and extension agree', async () => {
    const accepted: [Uint8Array, string, string][] = [
      [pdfBytes(), '验收报告.pdf', 'application/pdf'],
      [pdfBytes(), '验收报告.PDF', 'application/pdf'],
      [ofdBytes(), '批复.ofd', 'application/ofd'],
      [await docxBytes(), '报告.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      [xlsxBytes(), '台账.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      [pptxBytes(), '汇报.pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
      [compoundFileBytes(['WordDocument', '1Table']), '旧报告.doc', 'application/msword'],
      [compoundFileBytes(['Workbook']), '旧台账.xls', 'application/vnd.ms-excel'],
      [compoundFileBytes(['Book']), 'excel95.xls', 'application/vnd.ms-excel'],
      [compoundFileBytes(['PowerPoint Document', 'Current User']), '汇报.ppt', 'application/vnd.ms-powerpoint'],
      [pngBytes(), '现场照片.png', 'image/png'],
      [jpegBytes(), '现场照片.jpg', 'image/jpeg'],
      [jpegBytes(), '现场照片.JPEG', 'image/jpeg'],
      [gifBytes(), '示意.gif', 'image/gif'],
      [utf8('进展说明：已完成。\r\n第二行\t制表\f'), '说明.txt', 'text/plain'],
      [utf8('\uFEFF单位,完成率\n区经委,80%\n'), '统计.csv', 'text/csv'],
    ];
    for (const [bytes, name, mediaType] of accepted) {
      expect(checkFileType(bytes, name), name).toEqual({ ok: true, kind: expect.any(String), mediaType });
    }
  });

  it('refuses content that is another type than its extension says', async () => {
    const mismatched: [Uint8Array, string, string][] = [
      [pdfBytes(), '报告.docx', '文件内容是PDF 文档，与扩展名 .docx 不符'],
      [await docxBytes(), '报告.pdf', '文件内容是Word 文档（.docx），与扩展名 .pdf 不符'],
      [xlsxBytes(), '报告.docx', '文件内容是Excel 表格（.xlsx），与扩展名 .docx 不符'],
      [compoundFileBytes(['Workbook']), '报告.doc', '文件内容是Excel 97–2003 表格（.xls），与扩展名 .doc 不符'],
      [pngBytes(), '照片.jpg', '文件内容是PNG 图片，与扩展名 .jpg 不符'],
      [
        utf8('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        'logo.png',
        '文件内容是文本，与扩展名 .png 不符',
      ],
      [utf8('<html><script>alert(1)</script></html>'), '报告.pdf', '文件内容是文本，与扩展名 .pdf 不符'],
      [Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), '报告.pdf', '文件内容无法识别，与扩展名 .pdf 不符'],
      [zipBytes(), '报告.docx', '文件内容是ZIP 压缩包（a zip archive），与扩展名 .docx 不符'],
      [
        Buffer.from('PK\x03\x04broken', 'latin1'),
        '报告.xlsx',
        '文件内容是损坏的压缩包（a damaged zip），与扩展名 .xlsx 不符',
      ],
      [
        compoundFileBytes(['Contents']),
        '报告.doc',
        '文件内容是OLE 复合文档（an OLE compound file），与扩展名 .doc 不符',
      ],
      [
        Buffer.from('d0cf11e0a1b11ae1', 'hex'),
        '报告.doc',
        '文件内容是损坏的 Office 文件（a damaged Office file），与扩展名 .doc 不符',
      ],
      // GBK-encoded text is not UTF-8; UTF-16 carries NUL bytes; both are refused as text.
      [
        Buffer.from([0xbd, 0xf8, 0xd5, 0xb9, 0xcb, 0xb5, 0xc3, 0xf7]),
        '说明.txt',
        '文件内容无法识别，与扩展名 .txt 不符',
      ],
      [Buffer.from('\uFEFF说明', 'utf16le'), '说明.txt', '文件内容无法识别，与扩展名 .txt 不符'],
      [utf8('escape \u001b[31m red'), '说明.txt', '文件内容无法识别，与扩展名 .txt 不符'],
    ];
    for (const [bytes, name, message] of mismatched) {
      const verdict = checkFileType(bytes, name);
      expect(verdict, name).toMatchObject({ ok: false, reason: 'mismatch' });
      if (!verdict.ok) {
        expect(verdict.message.startsWith(message), `${name}: ${verdict.message}`).toBe(true);
        expect(verdict.message).toContain('可上传的类型：.pdf .ofd .docx .xlsx .pptx .doc .xls .ppt .png .jpg .jpeg');
      }
    }
  });

  it('refuses unlisted types and names without an extension, whatever the content', () => {
    for (const [bytes, name, message] of [
      [utf8('<html></html>'), 'page.html', '不支持 .html 文件'],
      [utf8('<svg/>'), 'logo.svg', '不支持 .svg 文件'],
      [utf8('<?xml version="1.0"?><a/>'), 'data.xml', '不支持 .xml 文件'],
      [utf8('alert(1)'), 'app.js', '不支持 .js 文件'],
      [Buffer.from('MZ', 'latin1'), 'setup.exe', '不支持 .exe 文件'],
      [zipBytes(), '材料.zip', '不支持 .zip 文件'],
      [pdfBytes(), '报告.pdf.exe', '不支持 .exe 文件'],
      [pdfBytes(), '报告', '文件名没有扩展名，无法确定类型'],
      [compoundFileBytes(['WordDocument']), '旧报告.wps', '不支持 .wps 文件'],
    ] as const) {
      const verdict = checkFileType(bytes, name);
      expect(verdict, name).toMatchObject({ ok: false, reason: 'unlisted' });
      if (!verdict.ok) expect(verdict.message.startsWith(message)).toBe(true);
    }
  });

  it('refuses Office files with macros and password-protected ones', () => {
    expect(checkFileType(macroDocxBytes(), '报告.docx')).toMatchObject({
      ok: false,
      reason: 'refused',
      message: expect.stringMatching(/^文件含有宏/),
    });
    expect(checkFileType(compoundFileBytes(['WordDocument', 'Macros']), '报告.doc')).toMatchObject({
      ok: false,
      reason: 'refused',
    });
    expect(checkFileType(compoundFileBytes(['Workbook', '_VBA_PROJECT_CUR']), '台账.xls')).toMatchObject({
      reason: 'refused',
    });
    expect(checkFileType(compoundFileBytes(['EncryptionInfo', 'EncryptedPackage']), '报告.docx')).toMatchObject({
      ok: false,
      reason: 'refused',
      message: expect.stringMatching(/^文件已加密/),
    });
  });

  it('reads a compound file whose directory spans several sectors', () => {
    const names = ['SummaryInformation', 'DocumentSummaryInformation', '1Table', 'Data', 'ObjectPool', 'WordDocument'];
    expect(checkFileType(compoundFileBytes(names), '报告.doc')).toMatchObject({ ok: true, kind: 'doc' });
  });

  it('refuses an empty file', () => {
    expect(checkFileType(new Uint8Array(0), '报告.pdf')).toEqual({
      ok: false,
      reason: 'empty',
      message: '文件为空（the file is empty）',
    });
  });
});

describe('servedAs', () => {
  it('shows images and plain text inline, with a charset for text', () => {
    expect(servedAs('image/png')).toEqual({ contentType: 'image/png', inline: true });
    expect(servedAs('image/jpeg')).toEqual({ contentType: 'image/jpeg', inline: true });
    expect(servedAs('image/gif')).toEqual({ contentType: 'image/gif', inline: true });
    expect(servedAs('text/plain')).toEqual({ contentType: 'text/plain; charset=utf-8', inline: true });
  });

  it('downloads documents, and anything a browser could run as application/octet-stream', () => {
    expect(servedAs('application/pdf')).toEqual({ contentType: 'application/pdf', inline: false });
    expect(servedAs('text/csv')).toEqual({ contentType: 'text/csv; charset=utf-8', inline: false });
    expect(servedAs('application/msword')).toEqual({ contentType: 'application/msword', inline: false });
    for (const active of [
      'text/html',
      'image/svg+xml',
      'application/xml',
      'text/xml',
      'text/javascript',
      'application/javascript',
      'text/markdown',
      'application/octet-stream',
      '',
    ]) {
      expect(servedAs(active), active).toEqual({ contentType: 'application/octet-stream', inline: false });
    }
  });
});

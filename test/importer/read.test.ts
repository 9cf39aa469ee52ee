import { Buffer } from 'node:buffer';
import {
  DeletedTextRun,
  Footer,
  Header,
  InsertedTextRun,
  PageBreak,
  Paragraph,
  Tab,
  Table,
  TableCell,
  TableRow,
  TextRun,
} from 'docx';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportError, type ImportErrorCode } from '../../src/importer/errors.ts';
import { readDocument, type ReadOptions } from '../../src/importer/read/index.ts';
import { describeWithChromium, launchPdfPrinter, type PdfPrinter } from '../helpers/chromium.ts';
import { docxFromBodyXml, packDocx, zipFiles } from '../helpers/docx.ts';

const OPTIONS: ReadOptions = { maxBytes: 20 * 1024 * 1024 };

const PLAN_PARAGRAPH =
  '以金山滨海国际文化旅游度假区为核心，到2025年接待游客总人数6000万人次以上，“十四五”期间累计旅游综合收入260亿元以上。';

/** The text without any whitespace: PDF line wrapping splits paragraphs at arbitrary points. */
const compact = (text: string) => text.replace(/\s+/g, '');

/** Reads and expects an ImportError with `code` and a one-line message that contains Chinese. */
async function expectImportError(promise: Promise<unknown>, code: ImportErrorCode): Promise<ImportError> {
  const error: unknown = await promise.then(
    () => new Error('expected readDocument to throw'),
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ImportError);
  const importError = error as ImportError;
  expect(importError.code).toBe(code);
  expect(importError.message).toMatch(/\p{Script=Han}/u);
  expect(importError.message).toMatch(/（.+）$/);
  expect(importError.message).not.toContain('\n');
  return importError;
}

describe('text files', () => {
  const markdown = '# 实施方案\r\n\r\n## 一、总体要求\r\n\r\n' + PLAN_PARAGRAPH + '\r\n';

  it('reads UTF-8 without a BOM, keeping CRLF, and names .md files md', async () => {
    const source = await readDocument(new TextEncoder().encode(markdown), '实施方案.md', OPTIONS);
    expect(source).toEqual({ text: markdown, format: 'md', encoding: 'utf-8' });
  });

  it('strips a UTF-8 BOM', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(markdown, 'utf8')]);
    const source = await readDocument(new Uint8Array(bytes), 'plan.markdown', OPTIONS);
    expect(source).toEqual({ text: markdown, format: 'md', encoding: 'utf-8' });
  });

  it('reads UTF-16LE and UTF-16BE with a BOM', async () => {
    const littleEndian = Buffer.from('\ufeff' + markdown, 'utf16le');
    expect(await readDocument(new Uint8Array(littleEndian), 'plan.txt', OPTIONS)).toEqual({
      text: markdown,
      format: 'txt',
      encoding: 'utf-16le',
    });
    const bigEndian = Buffer.from(littleEndian).swap16();
    expect(await readDocument(new Uint8Array(bigEndian), 'plan.txt', OPTIONS)).toEqual({
      text: markdown,
      format: 'txt',
      encoding: 'utf-16be',
    });
  });

  it('falls back to GB18030 for GBK-encoded Chinese', async () => {
    const bytes = new Uint8Array(iconv.encode(markdown, 'gb18030'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow(); // really not UTF-8
    const source = await readDocument(bytes, '方案.txt', OPTIONS);
    expect(source).toEqual({ text: markdown, format: 'txt', encoding: 'gb18030' });
  });
});

describe('.docx', () => {
  it('writes one line per paragraph, bold leads in **…**, tabs, page breaks and table rows', async () => {
    const cell = (...paragraphs: string[]) =>
      new TableCell({ children: paragraphs.map((text) => new Paragraph(text)) });
    const bytes = await packDocx([
      {
        headers: { default: new Header({ children: [new Paragraph('页眉：金山区人民政府')] }) },
        footers: { default: new Footer({ children: [new Paragraph('第 1 页')] }) },
        children: [
          new Paragraph({ children: [new TextRun({ text: '金山区推进长三角一体化发展三年行动方案', bold: true })] }),
          new Paragraph('一、总体要求'),
          new Paragraph({
            children: [new TextRun({ text: '（1）建设国际文旅商务区。', bold: true }), new TextRun(PLAN_PARAGRAPH)],
          }),
          new Paragraph({
            children: [
              new TextRun({ text: '（2）推进', bold: true }),
              new TextRun({ text: '产业集聚。', bold: true }),
              new TextRun({ text: '打造“1+4+4+4”产业体系 & 形成<集群>。', bold: false }),
            ],
          }),
          new Paragraph({ children: [new TextRun({ children: ['牵头单位：', new Tab(), '区发展改革委'] })] }),
          new Paragraph({
            children: [
              new TextRun('完成时限：'),
              new InsertedTextRun({ text: '2025年底', id: 1, author: '审核', date: '2021-06-02T00:00:00Z' }),
              new DeletedTextRun({ text: '2023年底', id: 2, author: '审核', date: '2021-06-02T00:00:00Z' }),
            ],
          }),
          new Paragraph({ children: [new PageBreak()] }),
          new Paragraph('三、保障措施'),
          new Table({
            rows: [
              new TableRow({ children: [cell('序号'), cell('任务'), cell('牵头单位'), cell('完成时间')] }),
              new TableRow({ children: [cell('1'), cell('建设滨海文旅区'), cell('区文化旅游局'), cell('2023年')] }),
              new TableRow({
                children: [
                  cell('2'),
                  cell('推进产业集聚', '（持续推进）'),
                  cell('区经委|区发展改革委'),
                  cell('2025年'),
                ],
              }),
            ],
          }),
        ],
      },
    ]);

    const source = await readDocument(bytes, '行动方案.docx', OPTIONS);

    expect(source.format).toBe('docx');
    expect(source.encoding).toBeNull();
    expect(source.text.split('\n')).toEqual([
      '**金山区推进长三角一体化发展三年行动方案**',
      '一、总体要求',
      `**（1）建设国际文旅商务区。**${PLAN_PARAGRAPH}`,
      '**（2）推进产业集聚。**打造“1+4+4+4”产业体系 & 形成<集群>。',
      '牵头单位：\t区发展改革委',
      '完成时限：2025年底',
      '\f',
      '三、保障措施',
      '| 序号 | 任务 | 牵头单位 | 完成时间 |',
      '| 1 | 建设滨海文旅区 | 区文化旅游局 | 2023年 |',
      '| 2 | 推进产业集聚 （持续推进） | 区经委｜区发展改革委 | 2025年 |',
    ]);
  });

  it('reads Word markup the docx package does not write: text boxes, fields, nested tables, entities', async () => {
    const run = (text: string, properties = '') =>
      `<w:r><w:rPr>${properties}</w:rPr><w:t xml:space="preserve">${text}</w:t></w:r>`;
    const paragraph = (...runs: string[]) => `<w:p>${runs.join('')}</w:p>`;
    const textBox = (text: string) =>
      `<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent>${paragraph(run(text))}</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>` +
      `<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>${paragraph(run(text))}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>`;
    const body = [
      // Bold switched off explicitly, and on with w:val="1"; the paragraph mark's own bold (w:pPr/w:rPr) is ignored.
      `<w:p><w:pPr><w:rPr><w:b/></w:rPr></w:pPr>${run('不加粗', '<w:b w:val="0"/>')}${run('加粗', '<w:b w:val="1"/>')}${run('。')}</w:p>`,
      paragraph(run('主文'), textBox('文本框里的文字')),
      // A PAGE field: the instruction is not text, its result is.
      paragraph(
        run('第'),
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>',
        run('3'),
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
        run('页'),
      ),
      paragraph(
        run('&#x4E2D;&#22269;&amp;&lt;&gt;&quot;&apos;'),
        '<w:r><w:cr/><w:t>换行</w:t><w:br/><w:t>再换行</w:t></w:r>',
      ),
      paragraph(run('分页前'), '<w:r><w:br w:type="page"/></w:r>', run('分页后')),
      '<w:p><w:pPr><w:pageBreakBefore/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>' +
        run('新页的编号段落') +
        '</w:p>',
      '<w:tbl><w:tr><w:tc>' +
        paragraph(run('外层')) +
        `<w:tbl><w:tr><w:tc>${paragraph(run('内层甲'))}</w:tc><w:tc>${paragraph(run('内层乙'))}</w:tc></w:tr></w:tbl>` +
        `</w:tc><w:tc>${paragraph(run('粗体不标', '<w:b/>'))}</w:tc></w:tr></w:tbl>`,
      '<w:sectPr><w:headerReference w:type="default" r:id="rId9"/></w:sectPr>',
    ].join('');

    const source = await readDocument(docxFromBodyXml(body), 'handmade.docx', OPTIONS);

    expect(source.text.split('\n')).toEqual([
      '不加粗**加粗**。',
      '主文',
      '文本框里的文字',
      '第3页',
      '中国&<>"\'',
      '换行',
      '再换行',
      '分页前',
      '\f',
      '分页后',
      '\f',
      '新页的编号段落',
      '| 外层 内层甲 内层乙 | 粗体不标 |',
    ]);
  });
});

describeWithChromium('.pdf printed by Chromium', () => {
  let printer: PdfPrinter;
  beforeAll(async () => {
    printer = await launchPdfPrinter();
  });
  afterAll(async () => {
    await printer?.close();
  });

  const headings = [
    '一、总体要求',
    '二、主要任务',
    '（一）建设国际文旅商务区',
    '（二）推进产业集聚发展',
    '三、保障措施',
  ];
  const paragraphs = [
    '以习近平新时代中国特色社会主义思想为指导，立足新发展阶段、贯彻新发展理念、服务新发展格局，紧扣“一体化”和“高质量”两个关键，全力打响“上海湾区”城市品牌，以更深层次改革和更高水平开放助力长三角更高质量一体化发展。',
    PLAN_PARAGRAPH,
    // Characters that Chromium writes as radicals or look-alikes (金 长 角 户 胶 ——) must come back as printed.
    '——深化制造业和服务业“两业并举”，推动橡胶制品、新材料产业集聚，到2025年全口径规上工业产值突破3000亿元，惠及农户2万户，GDP年均增长6%左右。',
    '加强组织领导，建立区级统筹推进机制，各牵头单位每季度报送工作进展。',
  ];
  const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
    body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 16px; line-height: 1.8; text-align: justify; }
    p { text-indent: 2em; }
    td, th { border: 1px solid #000; padding: 4px 12px; }
    table { border-collapse: collapse; }
  </style></head><body>
    <h1 style="text-align: center">金山区推进长三角一体化发展三年行动方案</h1>
    <h2>${headings[0]}</h2><p>${paragraphs[0]}</p>
    <h2>${headings[1]}</h2>
    <h3>${headings[2]}</h3><p>${paragraphs[1]}</p>
    <h3>${headings[3]}</h3><p>${paragraphs[2]}</p>
    <h2 style="break-before: page">${headings[4]}</h2><p>${paragraphs[3]}</p>
    <table>
      <tr><th>序号</th><th>任务</th><th>牵头单位</th></tr>
      <tr><td>1</td><td>建设滨海文旅区</td><td>区文化旅游局</td></tr>
      <tr><td>2</td><td>推进产业集聚</td><td>区经委、区发展改革委</td></tr>
    </table>
  </body></html>`;

  it('rebuilds headings, paragraphs, pages and table rows', async () => {
    const bytes = await printer.printPdf(html);
    const byteLength = bytes.byteLength;

    const source = await readDocument(bytes, '行动方案.pdf', OPTIONS);

    expect(bytes.byteLength).toBe(byteLength); // the caller's buffer is not handed to pdf.js
    expect(source.format).toBe('pdf');
    expect(source.encoding).toBeNull();
    const lines = source.text.split('\n');
    expect(lines[0]).toBe('金山区推进长三角一体化发展三年行动方案');
    for (const heading of headings) expect(lines).toContain(heading);
    for (const paragraph of paragraphs) expect(compact(source.text)).toContain(compact(paragraph));
    expect(source.text).toContain('GDP年均增长6%左右');
    expect(source.text).not.toMatch(/[\u2e80-\u2fdf]/); // no radicals standing in for characters

    const pages = source.text.split('\n\f\n');
    expect(pages).toHaveLength(2);
    expect(pages[1]?.split('\n')[0]).toBe('三、保障措施');
    expect(lines).toContain('序号\t任务\t牵头单位');
    expect(lines).toContain('1\t建设滨海文旅区\t区文化旅游局');
    expect(lines).toContain('2\t推进产业集聚\t区经委、区发展改革委');
  });

  it('refuses a scanned PDF (an image of text) with no-text-layer', async () => {
    const png = await printer.screenshotPng(
      `<html lang="zh-CN"><body style="font: 28px 'Noto Sans CJK SC'"><h1>${headings[0]}</h1><p>${paragraphs[0]}</p></body></html>`,
      { width: 800, height: 600 },
    );
    const scan = await printer.printPdf(
      `<html><body style="margin: 0"><img style="width: 100%" src="data:image/png;base64,${Buffer.from(png).toString('base64')}"></body></html>`,
    );

    await expectImportError(readDocument(scan, '扫描件.pdf', OPTIONS), 'no-text-layer');
  });
});

describe('refusals', () => {
  it('refuses an empty file and a file of whitespace', async () => {
    await expectImportError(readDocument(new Uint8Array(0), 'plan.md', OPTIONS), 'empty');
    await expectImportError(readDocument(new TextEncoder().encode(' \r\n\t\n'), 'plan.md', OPTIONS), 'empty');
    await expectImportError(
      readDocument(new TextEncoder().encode('\ufeff\u3000\u3000\n'), 'plan.txt', OPTIONS),
      'empty',
    );
  });

  it('refuses a file over the size limit, naming the limit', async () => {
    const error = await expectImportError(
      readDocument(new Uint8Array(OPTIONS.maxBytes + 1), 'plan.pdf', OPTIONS),
      'too-large',
    );
    expect(error.message).toContain('20 MB');
  });

  it('refuses binary bytes', async () => {
    // A fixed pseudo-random sequence (a linear congruential generator), so the test never flakes.
    const bytes = new Uint8Array(4096);
    let state = 20210602;
    for (let index = 0; index < bytes.length; index++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      bytes[index] = state >>> 24;
    }
    await expectImportError(readDocument(bytes, 'plan.txt', OPTIONS), 'binary');
  });

  it('refuses a truncated .docx and a zip without word/document.xml', async () => {
    const docx = await packDocx([{ children: [new Paragraph(PLAN_PARAGRAPH)] }]);
    await expectImportError(readDocument(docx.subarray(0, docx.length / 2), 'plan.docx', OPTIONS), 'corrupt-docx');
    await expectImportError(readDocument(zipFiles({ 'readme.txt': '实施方案' }), 'plan.docx', OPTIONS), 'corrupt-docx');
  });

  it('refuses other Office formats, telling the user to save as .docx', async () => {
    const oleHeader = new Uint8Array(512);
    oleHeader.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    const doc = await expectImportError(readDocument(oleHeader, '实施方案.doc', OPTIONS), 'unsupported-format');
    expect(doc.message).toContain('.docx');

    const workbook = zipFiles({ 'xl/workbook.xml': '<workbook/>', '[Content_Types].xml': '<Types/>' });
    await expectImportError(readDocument(workbook, '任务清单.xlsx', OPTIONS), 'unsupported-format');
  });

  it('refuses a corrupt PDF and an encrypted one', async () => {
    const garbage = new TextEncoder().encode('%PDF-1.7\n' + '损坏的内容 garbage '.repeat(50));
    await expectImportError(readDocument(garbage, 'plan.pdf', OPTIONS), 'corrupt-pdf');

    await expectImportError(readDocument(encryptedPdf(), 'plan.pdf', OPTIONS), 'encrypted-pdf');
  });
});

/**
 * A one-page PDF under the standard security handler whose user password is not empty (its /U entry matches
 * no password), so that opening it needs a password. Written by hand: Chromium cannot encrypt.
 */
function encryptedPdf(): Uint8Array {
  const hash = 'ab'.repeat(32);
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
    `<< /Filter /Standard /V 1 /R 2 /O <${hash}> /U <${hash}> /P -44 >>`,
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((body, index) => {
    const offset = pdf.length;
    pdf += `${index + 1} 0 obj\n${body}\nendobj\n`;
    return offset;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  const id = '01'.repeat(16);
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 4 0 R /ID [<${id}> <${id}>] >>\n`;
  pdf += `startxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(pdf);
}

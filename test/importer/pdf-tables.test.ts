// Bordered tables in PDFs printed by Chromium come back one line per row, cells separated by "\t", each cell's
// wrapped and justified lines joined into its text; the text around the tables reads as before.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readDocument, type ReadOptions } from '../../src/importer/read/index.ts';
import { describeWithChromium, launchPdfPrinter, type PdfPrinter } from '../helpers/chromium.ts';
import { blocksOf, htmlOf, type Block } from '../helpers/render-plan.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/plans');
const OPTIONS: ReadOptions = { maxBytes: 20 * 1024 * 1024 };

/** The text without any whitespace: PDF line wrapping splits paragraphs at arbitrary points. */
const compact = (text: string) => text.replace(/\s+/g, '');

/** The "— 3 —" page numbers that the printer puts in the footer. */
const PAGE_NUMBER = /^— \d+ —$/;

function tableRowsOf(blocks: Block[]): string[][] {
  return blocks.flatMap((block) => (block.kind === 'table' ? block.rows : []));
}

function paragraphsOf(blocks: Block[]): string[] {
  return blocks.flatMap((block) => (block.kind === 'paragraph' ? [block.runs.map((r) => r.text).join('')] : []));
}

describeWithChromium('tables in PDFs printed by Chromium', () => {
  let printer: PdfPrinter;
  beforeAll(async () => {
    printer = await launchPdfPrinter();
  });
  afterAll(async () => {
    await printer?.close();
  });

  async function printAndRead(html: string): Promise<string> {
    const pdf = await printer.printPdf(html, { pageNumbers: true });
    return (await readDocument(pdf, '实施方案.pdf', OPTIONS)).text;
  }

  it.each(['units-table.md', 'real-city-worklist.txt', 'real-district-plan-boxes.md', 'goals-box.md'])(
    '%s: every table row is one line of its cells, and the text around the tables is all there',
    async (file) => {
      const blocks = blocksOf(readFileSync(join(FIXTURES, file), 'utf8'));
      const text = await printAndRead(htmlOf(blocks));
      const lines = text.split('\n');
      const paragraphs = paragraphsOf(blocks);
      // The signature line (office and date set apart by ideographic spaces) has a column gap as well.
      const isParagraph = (line: string) => paragraphs.some((p) => compact(p) === compact(line));
      const isRow = (line: string) => line.includes('\t') && !isParagraph(line);

      // Every row, in order, and no other line with a tab: no fragment of a cell is left over as a line.
      const rows = lines.filter(isRow).map((line) => line.split('\t').map(compact));
      expect(rows).toEqual(tableRowsOf(blocks).map((row) => row.map(compact)));

      // The rest reads as the paragraphs, in order, with nothing of the tables in between.
      const rest = lines.filter((line) => !isRow(line) && !PAGE_NUMBER.test(line) && line !== '\f');
      expect(compact(rest.join(''))).toBe(compact(paragraphs.join('')));
      // Short paragraphs (headings) are lines of their own.
      for (const paragraph of paragraphs.filter((p) => p.length <= 12)) expect(lines).toContain(paragraph);
    },
  );

  it('reads an empty cell and narrow justified cells exactly, without the spaces justification adds', async () => {
    const source = [
      '一、重点任务',
      '序号\t重点任务\t牵头单位\t配合单位\t完成时限',
      '1\t实施高新技术企业培育计划。建立高新技术企业后备库，对入库企业开展“一对一”辅导，推动企业加大研发投入、提升创新能力，形成梯次培育格局。\t区科委、区经委、区发展改革委\t区财政局、区税务局、区市场监管局\t2023年12月底',
      '2\t建设概念验证中心。\t区科委\t\t2024年6月底',
      '二、保障措施',
    ].join('\n');
    const text = await printAndRead(htmlOf(blocksOf(source)));
    const lines = text.split('\n');

    expect(lines.slice(0, 5)).toEqual(source.split('\n'));
  });

  it('reads a table over several pages, putting a row that a page break cut back together', async () => {
    const task = (n: number) =>
      `推进第${n}项重点工作。完善工作机制，明确责任分工，加强统筹协调和督促检查，`.repeat(2 + (n % 4)) +
      '确保按期完成。';
    const rows = Array.from(
      { length: 24 },
      (_, i) => `${i + 1}\t${task(i + 1)}\t区科委\t${i % 5 === 4 ? '' : '区经委、区财政局'}\t2024年${(i % 12) + 1}月底`,
    );
    const source = ['一、重点任务', '序号\t重点任务\t牵头单位\t配合单位\t完成时限', ...rows, '二、保障措施'].join('\n');
    const text = await printAndRead(htmlOf(blocksOf(source)));

    // Over several pages, each row is still one line: no half row at the top of a page.
    expect(text.split('\f').length).toBeGreaterThan(2);
    const lines = text.split('\n').filter((line) => line !== '' && line !== '\f' && !PAGE_NUMBER.test(line));
    expect(lines).toEqual(source.split('\n'));
  });

  it.each([
    ['separate borders, stroked as one rectangle per cell', 'td { border: 1px solid #000; }'],
    ['dashed borders, filled dash by dash', 'table { border-collapse: collapse; } td { border: 1px dashed #000; }'],
    ['double borders', 'table { border-collapse: collapse; } td { border: 3px double #000; }'],
  ])('reads a table drawn with %s', async (_name, borders) => {
    const html = `<!doctype html><html><head><meta charset="utf-8"><style>
      body { font-family: "Noto Serif CJK SC", serif; font-size: 16pt; text-align: justify; }
      table { font-size: 11pt; width: 100%; }
      td { padding: 2pt 4pt; vertical-align: top; }
      ${borders}
    </style></head><body><p>前文。</p><table>
      <tr><td>序号</td><td>重点任务</td><td>牵头单位</td><td>完成时限</td></tr>
      <tr><td>1</td><td>建设概念验证中心，推动科技成果转化应用，支持企业联合高校院所开展技术攻关。</td>
        <td>区科委、区经委、区发展改革委</td><td>2024年6月底</td></tr>
      <tr><td>2</td><td>打造 Smart City 平台</td><td></td><td>长期坚持</td></tr>
    </table><p>后文。</p></body></html>`;
    const text = await printAndRead(html);

    expect(text.split('\n').slice(0, 5)).toEqual([
      '前文。',
      '序号\t重点任务\t牵头单位\t完成时限',
      '1\t建设概念验证中心，推动科技成果转化应用，支持企业联合高校院所开展技术攻关。\t区科委、区经委、区发展改革委\t2024年6月底',
      '2\t打造Smart City平台\t\t长期坚持',
      '后文。',
    ]);
  });

  it('reads merged cells: a row across the table is a plain line, a cell below a tall one is empty', async () => {
    const html = `<!doctype html><html><head><meta charset="utf-8"><style>
      body { font-family: "Noto Serif CJK SC", serif; font-size: 16pt; text-align: justify; }
      table { border-collapse: collapse; font-size: 11pt; width: 100%; }
      td { border: 1px solid #000; padding: 2pt 4pt; vertical-align: top; }
    </style></head><body><p>附件</p><table>
      <tr><td>序号</td><td>重点任务</td><td>牵头单位</td><td>配合单位</td><td>完成时限</td></tr>
      <tr><td colspan="5">一、科技创新</td></tr>
      <tr><td rowspan="2">1</td><td>建设概念验证中心</td><td>区科委</td><td>区经委</td><td>2024年</td></tr>
      <tr><td>打造科创孵化载体</td><td colspan="2">区经委、区科委</td><td>2025年</td></tr>
    </table><p>抄送：区委办公室</p></body></html>`;
    const text = await printAndRead(html);

    expect(text.split('\n').slice(0, 6)).toEqual([
      '附件',
      '序号\t重点任务\t牵头单位\t配合单位\t完成时限',
      '一、科技创新',
      '1\t建设概念验证中心\t区科委\t区经委\t2024年',
      // The merged unit cell keeps the tab of the column it covers, so 2025年 stays under 完成时限.
      '\t打造科创孵化载体\t区经委、区科委\t\t2025年',
      '抄送：区委办公室',
    ]);
  });
});

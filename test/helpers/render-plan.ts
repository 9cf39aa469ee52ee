/**
 * Turns a plan written as Markdown or plain text into the other forms plans arrive in — a Word document (bold
 * runs, real tables, page breaks) and an HTML page to print to PDF — so that the same gold scores every form.
 */
import { Packer, Document, PageBreak, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } from 'docx';

type Run = { text: string; bold: boolean };
export type Block = { kind: 'paragraph'; runs: Run[] } | { kind: 'table'; rows: string[][] } | { kind: 'page' };

const PAGE = /^(?:-{3,}|\*{3,}|[-—－–]\s*\d{1,4}\s*[-—－–]|\f)$/;
const TABLE_RULE = /^\|?\s*:?-{2,}/;

function runsOf(text: string): Run[] {
  const parts = text.split('**');
  if (parts.length % 2 === 0) return [{ text: parts.join(''), bold: false }];
  return parts.map((part, i) => ({ text: part, bold: i % 2 === 1 })).filter((r) => r.text !== '');
}

/** Reads a Markdown or plain-text plan into paragraphs, tables and page breaks. */
export function blocksOf(source: string): Block[] {
  const blocks: Block[] = [];
  let table: string[][] | null = null;
  for (const raw of source.split(/\r?\n/)) {
    const line = raw.trim();
    const cells = line.startsWith('|')
      ? line.replace(/^\|/, '').replace(/\|$/, '').split('|')
      : raw.includes('\t')
        ? raw.split('\t')
        : null;
    if (cells) {
      if (TABLE_RULE.test(line)) continue;
      table ??= [];
      if (table.length === 0) blocks.push({ kind: 'table', rows: table });
      table.push(cells.map((c) => c.trim().replace(/\*\*/g, '')));
      continue;
    }
    if (line === '') continue;
    // A page number printed inside a table belongs to the page, not to the table: Word keeps the table whole.
    if (PAGE.test(line) && table) continue;
    table = null;
    if (PAGE.test(line)) {
      if (blocks[blocks.length - 1]?.kind !== 'page') blocks.push({ kind: 'page' });
      continue;
    }
    blocks.push({ kind: 'paragraph', runs: runsOf(line.replace(/^#{1,6}\s+/, '')) });
  }
  return blocks;
}

/** A .docx of the blocks, as a Word user would have typed it (numbers typed, not Word's auto-numbering). */
export async function docxOf(blocks: Block[]): Promise<Uint8Array> {
  const children: (Paragraph | Table)[] = [];
  for (const block of blocks) {
    if (block.kind === 'page') children.push(new Paragraph({ children: [new PageBreak()] }));
    else if (block.kind === 'paragraph') {
      children.push(new Paragraph({ children: block.runs.map((r) => new TextRun({ text: r.text, bold: r.bold })) }));
    } else {
      children.push(
        new Table({
          width: { size: 100, type: WidthType.PERCENTAGE },
          rows: block.rows.map(
            (row) => new TableRow({ children: row.map((cell) => new TableCell({ children: [new Paragraph(cell)] })) }),
          ),
        }),
      );
    }
  }
  return new Uint8Array(await Packer.toBuffer(new Document({ sections: [{ children }] })));
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An HTML page of the blocks in the look of an official document: 16pt serif, justified, A4. */
export function htmlOf(blocks: Block[]): string {
  const body = blocks
    .map((block) => {
      if (block.kind === 'page') return '<div style="break-after: page"></div>';
      if (block.kind === 'paragraph') {
        return `<p>${block.runs.map((r) => (r.bold ? `<b>${escape(r.text)}</b>` : escape(r.text))).join('')}</p>`;
      }
      const rows = block.rows.map((row) => `<tr>${row.map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`).join('');
      return `<table>${rows}</table>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    body { font-family: "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 1.6; text-align: justify; }
    p { margin: 0; text-indent: 2em; }
    table { border-collapse: collapse; font-size: 11pt; width: 100%; }
    td { border: 1px solid #000; padding: 2pt 4pt; vertical-align: top; }
  </style></head><body>${body}</body></html>`;
}

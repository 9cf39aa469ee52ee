/**
 * Reads the text of a Word document (.docx: a zip of WordprocessingML parts). Only the main document part's text
 * is read, so headers, footers, footnotes and comments never reach the parser; the numbering and styles parts
 * only supply the numbers of automatically numbered paragraphs. The output is one line per paragraph, bold runs
 * in Markdown `**…**` (the form the plan parser already reads in .md files), and one `| cell | cell |` line per
 * table row.
 */
import { ImportError } from '../errors.ts';
import { ListNumbering } from './docx-numbering.ts';
import { readDocxParts } from './docx-package.ts';
import { childElements, findElement, firstChild, getAttribute, isOn, parseXml, type XmlElement } from './xml.ts';

/** The line that stands for a page break, between two newlines; the PDF reader uses the same separator. */
const PAGE_BREAK = '\f';

/**
 * Extracts the text of a .docx file. A paragraph Word numbers automatically starts with the number Word shows
 * ("一、总体要求"), inside the bold marks when the paragraph opens in bold ("**（1）建设国际文旅商务区。**…").
 *
 * @example
 * const text = readDocx(bytes);
 * // "**（1）建设国际文旅商务区。**以金山滨海国际文化旅游度假区为核心……\n| 序号 | 任务 | 牵头单位 |"
 * @throws {ImportError} `corrupt-docx` for a damaged zip or a missing main part, `unsupported-format` for other
 *   zip-based formats (.xlsx, .pptx, .odt, OFD), `too-large` for a decompression bomb.
 */
export function readDocx(bytes: Uint8Array): string {
  const parts = readDocxParts(bytes);
  const root = parseXml(parts.document, TEXT_ELEMENTS);
  const body = findElement(root, 'w:body');
  if (!body) {
    throw new ImportError('corrupt-docx', 'Word 文档正文结构无法识别，文件可能已损坏（no w:body in the .docx）');
  }
  const numbering = ListNumbering.fromParts(parts.numbering, parts.styles);
  const lines: string[] = [];
  readBlocks(body, lines, numbering);
  return lines.join('\n');
}

/** Character data is kept only in these elements: text (w:t) and the text of equations (m:t). */
const TEXT_ELEMENTS: ReadonlySet<string> = new Set(['w:t', 'm:t']);

/**
 * Elements whose content is never document text: properties, deleted or moved-away text, field instructions
 * (" PAGE ", " TOC \o … "), the fallback copy of alternate content (the text box it holds is also in
 * mc:Choice), and ruby annotations (the pinyin above a character).
 */
const SKIPPED = new Set([
  'w:pPr',
  'w:rPr',
  'w:sectPr',
  'w:tblPr',
  'w:tblGrid',
  'w:trPr',
  'w:tcPr',
  'w:sdtPr',
  'w:sdtEndPr',
  'w:del',
  'w:moveFrom',
  'w:delText',
  'w:delInstrText',
  'w:instrText',
  'w:fldData',
  'mc:Fallback',
  'w:rt',
]);

/** Reads block content (paragraphs and tables) of the body, a table cell or a text box, one line per paragraph. */
function readBlocks(container: XmlElement, lines: string[], numbering: ListNumbering): void {
  for (const child of childElements(container)) {
    if (SKIPPED.has(child.name)) continue;
    if (child.name === 'w:p') {
      lines.push(...readParagraph(child, true, numbering));
    } else if (child.name === 'w:tbl') {
      for (const row of tableRows(child, numbering)) {
        lines.push(`| ${row.map((cell) => cell.replaceAll('|', '｜')).join(' | ')} |`);
      }
    } else if (child.name === 'mc:AlternateContent') {
      const choice = childElements(child).find((element) => element.name === 'mc:Choice');
      if (choice) readBlocks(choice, lines, numbering);
    } else {
      // Wrappers such as w:sdt/w:sdtContent (content controls), w:customXml and tracked insertions.
      readBlocks(child, lines, numbering);
    }
  }
}

/** A stretch of a paragraph's text with one boldness. */
interface Segment {
  text: string;
  bold: boolean;
}

/**
 * Renders one paragraph to lines: usually one, more when it holds page breaks (each becomes a line of its own,
 * "\f"), followed by the paragraph lines of any text boxes anchored in it. With `markBold` false (table cells)
 * bold runs are not marked. An automatically numbered paragraph starts with its number.
 */
function readParagraph(paragraph: XmlElement, markBold: boolean, numbering: ListNumbering): string[] {
  const properties = firstChild(paragraph, 'w:pPr');
  // Numbered before its text boxes are read, so that lists count in document order.
  const number = numbering.numberParagraph(properties);
  const segments: Segment[] = [];
  const textBoxLines: string[] = [];
  readInline(paragraph, false, segments, textBoxLines, numbering);
  if (number !== '') prefixNumber(segments, number);

  const pageBreakBefore = properties && firstChild(properties, 'w:pageBreakBefore');
  const breakBefore = pageBreakBefore !== undefined && isOn(pageBreakBefore);

  const text = renderSegments(mergeSegments(segments), markBold);
  // "A<page break>B" becomes the lines "A", "\f", "B"; a paragraph holding only a page break becomes just "\f".
  const lines: string[] = breakBefore ? [PAGE_BREAK] : [];
  text.split(PAGE_BREAK).forEach((piece, index, pieces) => {
    if (index > 0) lines.push(PAGE_BREAK);
    const isEdge = (index === 0 && pieces.length > 1) || (index === pieces.length - 1 && index > 0);
    if (!(isEdge && piece === '')) lines.push(piece);
  });
  return [...lines, ...textBoxLines];
}

/**
 * Puts a paragraph's automatic number in front of its text, with nothing between: the tab or space Word draws
 * after the number (w:suff) and any spaces the text opens with are dropped, so that "一、" meets "总体要求" as
 * in a typed heading. The number takes the boldness of the text it precedes, so a bold lead stays one bold
 * phrase ("**（1）建设国际文旅商务区。**…") and a bold heading stays wholly bold, as typed numbers usually are.
 */
function prefixNumber(segments: Segment[], number: string): void {
  while (segments.length > 0) {
    const first = segments[0];
    if (!first) break;
    first.text = first.text.replace(/^[ \t\u3000]+/, '');
    if (first.text !== '') break;
    segments.shift();
  }
  segments.unshift({ text: number, bold: segments[0]?.bold ?? false });
}

/** Collects the text of runs below `element`, descending through hyperlinks, insertions, fields and the like. */
function readInline(
  element: XmlElement,
  bold: boolean,
  segments: Segment[],
  textBoxLines: string[],
  numbering: ListNumbering,
): void {
  for (const child of childElements(element)) {
    if (SKIPPED.has(child.name)) continue;
    switch (child.name) {
      case 'w:r':
        readInline(child, isBoldRun(child), segments, textBoxLines, numbering);
        break;
      case 'w:t':
      case 'm:t':
        segments.push({ text: child.children.filter((node) => typeof node === 'string').join(''), bold });
        break;
      case 'w:tab':
      case 'w:ptab':
        segments.push({ text: '\t', bold });
        break;
      case 'w:br':
        // A page break is "\f" on a line of its own; a text-wrapping or column break is a plain newline.
        segments.push({ text: getAttribute(child, 'w:type') === 'page' ? PAGE_BREAK : '\n', bold });
        break;
      case 'w:cr':
        segments.push({ text: '\n', bold });
        break;
      case 'w:noBreakHyphen':
        segments.push({ text: '-', bold });
        break;
      case 'w:txbxContent':
        readBlocks(child, textBoxLines, numbering);
        break;
      case 'mc:AlternateContent': {
        const choice = childElements(child).find((candidate) => candidate.name === 'mc:Choice');
        if (choice) readInline(choice, bold, segments, textBoxLines, numbering);
        break;
      }
      case 'w:p':
        // A paragraph directly inside inline content only occurs in malformed files; keep its text anyway.
        textBoxLines.push(...readParagraph(child, true, numbering));
        break;
      default:
        // w:hyperlink, w:ins, w:moveTo, w:smartTag, w:fldSimple, w:sdt, w:drawing, w:pict, m:oMath, …
        readInline(child, bold, segments, textBoxLines, numbering);
    }
  }
}

/** Bold only from the run's own properties (w:rPr/w:b); character and paragraph styles are ignored. */
function isBoldRun(run: XmlElement): boolean {
  const properties = firstChild(run, 'w:rPr');
  const bold = properties && firstChild(properties, 'w:b');
  return bold !== undefined && isOn(bold);
}

function mergeSegments(segments: readonly Segment[]): Segment[] {
  const merged: Segment[] = [];
  for (const segment of segments) {
    const last = merged.at(-1);
    if (last && last.bold === segment.bold) last.text += segment.text;
    else if (segment.text !== '') merged.push({ ...segment });
  }
  return merged;
}

/**
 * Joins segments, wrapping bold text in `**`. The marks go inside surrounding whitespace and never span a
 * line or page break, so that each line stays valid Markdown emphasis; whitespace alone is never wrapped.
 */
function renderSegments(segments: readonly Segment[], markBold: boolean): string {
  return segments
    .map(({ text, bold }) => {
      if (!bold || !markBold) return text;
      return text
        .split(/([\n\f])/)
        .map((piece) => {
          const [, before = '', core = '', after = ''] = /^(\s*)(.*?)(\s*)$/su.exec(piece) ?? [];
          return core === '' ? piece : `${before}**${core}**${after}`;
        })
        .join('');
    })
    .join('');
}

/**
 * The text of each row's cells. A cell's paragraphs are joined with a space, and so is the text of a table
 * nested in it, so that every row stays on one line.
 */
function tableRows(table: XmlElement, numbering: ListNumbering): string[][] {
  const rows: string[][] = [];
  const visit = (element: XmlElement) => {
    for (const child of childElements(element)) {
      if (SKIPPED.has(child.name)) continue;
      if (child.name === 'w:tr') rows.push(rowCells(child, numbering));
      else if (child.name !== 'w:tbl') visit(child); // row-level content controls and custom XML
    }
  };
  visit(table);
  return rows;
}

function rowCells(row: XmlElement, numbering: ListNumbering): string[] {
  const cells: string[] = [];
  const visit = (element: XmlElement) => {
    for (const child of childElements(element)) {
      if (SKIPPED.has(child.name)) continue;
      if (child.name === 'w:tc') cells.push(cellText(child, numbering));
      else visit(child);
    }
  };
  visit(row);
  return cells;
}

function cellText(cell: XmlElement, numbering: ListNumbering): string {
  const parts: string[] = [];
  const visit = (element: XmlElement) => {
    for (const child of childElements(element)) {
      if (SKIPPED.has(child.name)) continue;
      if (child.name === 'w:p') parts.push(...readParagraph(child, false, numbering));
      else if (child.name === 'w:tbl') parts.push(...tableRows(child, numbering).flat());
      else if (child.name === 'mc:AlternateContent') {
        const choice = childElements(child).find((candidate) => candidate.name === 'mc:Choice');
        if (choice) visit(choice);
      } else visit(child);
    }
  };
  visit(cell);
  return parts
    .map((part) => part.replace(/\s+/g, ' ').trim())
    .filter((part) => part !== '')
    .join(' ');
}

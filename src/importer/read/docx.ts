/**
 * Reads the text of a Word document (.docx: a zip of WordprocessingML parts). Only the main document part is
 * read, so headers, footers, footnotes and comments never reach the parser. The output is one line per
 * paragraph, bold runs in Markdown `**…**` (the form the plan parser already reads in .md files), and one
 * `| cell | cell |` line per table row.
 */
import { unzipSync } from 'fflate';
import { ImportError } from '../errors.ts';
import { childElements, getAttribute, parseXml, type XmlElement } from './xml.ts';

/** The main part of nearly every .docx; `_rels/.rels` may name another. */
const DEFAULT_MAIN_PART = 'word/document.xml';

/**
 * The declared uncompressed size beyond which the main part is refused. A real plan's document.xml is a few
 * MB; a zip that declares hundreds of MB is a decompression bomb. fflate inflates into a buffer of exactly
 * the declared size, so checking the declaration bounds the memory used.
 */
const MAX_MAIN_PART_BYTES = 128 * 1024 * 1024;

/** The line that stands for a page break, between two newlines; the PDF reader uses the same separator. */
const PAGE_BREAK = '\f';

/**
 * Extracts the text of a .docx file.
 *
 * @example
 * const text = readDocx(bytes);
 * // "**（1）建设国际文旅商务区。**以金山滨海国际文化旅游度假区为核心……\n| 序号 | 任务 | 牵头单位 |"
 * @throws {ImportError} `corrupt-docx` for a damaged zip or a missing main part, `unsupported-format` for other
 *   zip-based formats (.xlsx, .pptx, .odt, OFD), `too-large` for a decompression bomb.
 */
export function readDocx(bytes: Uint8Array): string {
  const xml = decodeXmlBytes(findMainPart(bytes));
  const root = parseXml(xml, TEXT_ELEMENTS);
  const body = findFirst(root, 'w:body');
  if (!body) {
    throw new ImportError('corrupt-docx', 'Word 文档正文结构无法识别，文件可能已损坏（no w:body in the .docx）');
  }
  const lines: string[] = [];
  readBlocks(body, lines);
  return lines.join('\n');
}

function findMainPart(bytes: Uint8Array): Uint8Array {
  const names: string[] = [];
  let relationships: Uint8Array | undefined;
  try {
    relationships = unzipSync(bytes, {
      filter: (file) => {
        names.push(file.name);
        return file.name === '_rels/.rels' && file.originalSize < 1024 * 1024;
      },
    })['_rels/.rels'];
  } catch {
    throw corruptDocx();
  }

  const candidates = [relationships && mainPartFromRelationships(relationships), DEFAULT_MAIN_PART];
  const mainPath = candidates.find((path) => path !== undefined && names.includes(path));
  if (mainPath === undefined) throw missingMainPart(names);

  let part: Uint8Array | undefined;
  try {
    part = unzipSync(bytes, {
      filter: (file) => {
        if (file.name !== mainPath) return false;
        if (file.originalSize > MAX_MAIN_PART_BYTES) {
          throw new ImportError(
            'too-large',
            `Word 文档正文解压后超过 ${MAX_MAIN_PART_BYTES / 1024 / 1024} MB，无法导入（the unzipped document is too large）`,
          );
        }
        return true;
      },
    })[mainPath];
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw corruptDocx();
  }
  if (!part) throw corruptDocx();
  return part;
}

/** The target of the package's officeDocument relationship, e.g. "word/document.xml". */
function mainPartFromRelationships(bytes: Uint8Array): string | undefined {
  const root = parseXml(decodeXmlBytes(bytes), new Set());
  const relationships = findFirst(root, 'Relationships');
  for (const relationship of relationships ? childElements(relationships) : []) {
    const type = getAttribute(relationship, 'Type') ?? '';
    const target = getAttribute(relationship, 'Target');
    if (type.endsWith('/officeDocument') && target) return target.replace(/^\//, '');
  }
  return undefined;
}

/** XML parts are UTF-8 in practice; the XML rules also allow UTF-16, which announces itself with a BOM. */
function decodeXmlBytes(bytes: Uint8Array): string {
  const encoding =
    bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-8';
  return new TextDecoder(encoding).decode(bytes);
}

function missingMainPart(names: readonly string[]): ImportError {
  const has = (name: string) => names.includes(name);
  if (has('xl/workbook.xml')) {
    return new ImportError(
      'unsupported-format',
      '不支持 Excel 表格（.xlsx），请提供 Word（.docx）、PDF 或文本格式的方案（spreadsheets are not supported）',
    );
  }
  if (has('ppt/presentation.xml')) {
    return new ImportError(
      'unsupported-format',
      '不支持 PowerPoint 演示文稿（.pptx），请提供 Word（.docx）、PDF 或文本格式的方案（presentations are not supported）',
    );
  }
  if (has('content.xml') && has('mimetype')) {
    return new ImportError(
      'unsupported-format',
      '不支持 OpenDocument（.odt）格式，请另存为 .docx 后再导入（OpenDocument is not supported: save it as .docx）',
    );
  }
  if (has('OFD.xml')) {
    // OFD (GB/T 33190) is the national fixed-layout format some government portals publish in.
    return new ImportError(
      'unsupported-format',
      '不支持 OFD 版式文件，请提供 PDF、Word（.docx）或文本格式的方案（OFD is not supported: export it as PDF）',
    );
  }
  return new ImportError(
    'corrupt-docx',
    '文件不是有效的 Word 文档：缺少正文 word/document.xml（not a valid .docx: word/document.xml is missing）',
  );
}

function corruptDocx(): ImportError {
  return new ImportError('corrupt-docx', 'Word 文档已损坏或不完整，无法打开（the .docx file is damaged or truncated）');
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
function readBlocks(container: XmlElement, lines: string[]): void {
  for (const child of childElements(container)) {
    if (SKIPPED.has(child.name)) continue;
    if (child.name === 'w:p') {
      lines.push(...readParagraph(child, true));
    } else if (child.name === 'w:tbl') {
      for (const row of tableRows(child)) {
        lines.push(`| ${row.map((cell) => cell.replaceAll('|', '｜')).join(' | ')} |`);
      }
    } else if (child.name === 'mc:AlternateContent') {
      const choice = childElements(child).find((element) => element.name === 'mc:Choice');
      if (choice) readBlocks(choice, lines);
    } else {
      // Wrappers such as w:sdt/w:sdtContent (content controls), w:customXml and tracked insertions.
      readBlocks(child, lines);
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
 * bold runs are not marked.
 */
function readParagraph(paragraph: XmlElement, markBold: boolean): string[] {
  const segments: Segment[] = [];
  const textBoxLines: string[] = [];
  readInline(paragraph, false, segments, textBoxLines);

  const properties = childElements(paragraph).find((element) => element.name === 'w:pPr');
  const pageBreakBefore = properties && childElements(properties).find((e) => e.name === 'w:pageBreakBefore');
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

/** Collects the text of runs below `element`, descending through hyperlinks, insertions, fields and the like. */
function readInline(element: XmlElement, bold: boolean, segments: Segment[], textBoxLines: string[]): void {
  for (const child of childElements(element)) {
    if (SKIPPED.has(child.name)) continue;
    switch (child.name) {
      case 'w:r':
        readInline(child, isBoldRun(child), segments, textBoxLines);
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
        readBlocks(child, textBoxLines);
        break;
      case 'mc:AlternateContent': {
        const choice = childElements(child).find((candidate) => candidate.name === 'mc:Choice');
        if (choice) readInline(choice, bold, segments, textBoxLines);
        break;
      }
      case 'w:p':
        // A paragraph directly inside inline content only occurs in malformed files; keep its text anyway.
        textBoxLines.push(...readParagraph(child, true));
        break;
      default:
        // w:hyperlink, w:ins, w:moveTo, w:smartTag, w:fldSimple, w:sdt, w:drawing, w:pict, m:oMath, …
        readInline(child, bold, segments, textBoxLines);
    }
  }
}

/** Bold only from the run's own properties (w:rPr/w:b); character and paragraph styles are ignored. */
function isBoldRun(run: XmlElement): boolean {
  const properties = childElements(run).find((element) => element.name === 'w:rPr');
  const bold = properties && childElements(properties).find((element) => element.name === 'w:b');
  return bold !== undefined && isOn(bold);
}

/** An OOXML on/off property: present without w:val, or with w:val true/1/on, means on. */
function isOn(property: XmlElement): boolean {
  const value = getAttribute(property, 'w:val');
  return value === undefined || !['0', 'false', 'off'].includes(value.toLowerCase());
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
function tableRows(table: XmlElement): string[][] {
  const rows: string[][] = [];
  const visit = (element: XmlElement) => {
    for (const child of childElements(element)) {
      if (SKIPPED.has(child.name)) continue;
      if (child.name === 'w:tr') rows.push(rowCells(child));
      else if (child.name !== 'w:tbl') visit(child); // row-level content controls and custom XML
    }
  };
  visit(table);
  return rows;
}

function rowCells(row: XmlElement): string[] {
  const cells: string[] = [];
  const visit = (element: XmlElement) => {
    for (const child of childElements(element)) {
      if (SKIPPED.has(child.name)) continue;
      if (child.name === 'w:tc') cells.push(cellText(child));
      else visit(child);
    }
  };
  visit(row);
  return cells;
}

function cellText(cell: XmlElement): string {
  const parts: string[] = [];
  const visit = (element: XmlElement) => {
    for (const child of childElements(element)) {
      if (SKIPPED.has(child.name)) continue;
      if (child.name === 'w:p') parts.push(...readParagraph(child, false));
      else if (child.name === 'w:tbl') parts.push(...tableRows(child).flat());
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

function findFirst(element: XmlElement, name: string): XmlElement | undefined {
  for (const child of childElements(element)) {
    if (child.name === name) return child;
    const found = findFirst(child, name);
    if (found) return found;
  }
  return undefined;
}

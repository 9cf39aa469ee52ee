/**
 * Reads the text layer of a PDF with pdf.js. A PDF holds positioned glyph runs, not lines or paragraphs, so
 * lines are rebuilt from geometry: runs on the same baseline form a line, ordered left to right. A bordered
 * table is read through the grid its rules draw instead: one line per row, cells separated by "\t". Pages are
 * separated by "\n\f\n". A PDF that yields (almost) no text is a scan and is refused with `no-text-layer`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as PdfJsModule from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { ImportError } from '../errors.ts';
import { foldGlyphAliases } from './glyph-aliases.ts';
import { groupLines, hasColumnGap, joinLine, type Run } from './pdf-lines.ts';
import { findRules, type Segment } from './pdf-rules.ts';
import { findTables, type Cell, type Table } from './pdf-tables.ts';

/**
 * Fewer meaningful characters than this per page, on average, means there is no real text layer. A text page
 * holds hundreds; a scan holds none, or a few from a scanner app's stamp ("扫描全能王 创建" is 7), which is why
 * the bar sits above a handful rather than at zero.
 */
const MIN_CHARS_PER_PAGE = 20;

/** Below this share of meaningful characters, the text layer is glyph garbage (fonts without a Unicode map). */
const MIN_MEANINGFUL_SHARE = 0.5;

/** Text whose baseline is turned more than this from the page's main direction is a watermark or stamp. */
const MAX_SKEW_RADIANS = (2 * Math.PI) / 180;

/** The line that separates pages, as in the .docx reader. */
const PAGE_SEPARATOR = '\n\f\n';

type PdfJs = typeof PdfJsModule;
type TextContentItem = Awaited<ReturnType<PDFPageProxy['getTextContent']>>['items'][number];

let pdfJs: Promise<PdfJs> | undefined;

/**
 * pdf.js is large and polyfills a few globals when loaded, so it is loaded on the first PDF only (or ahead of time,
 * by the reader thread).
 */
export function loadPdfJs(): Promise<PdfJs> {
  pdfJs ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfJs;
}

/** pdf.js's own data files: CMaps for PDFs that use predefined Chinese encodings (UniGB-UCS2-H), fonts, wasm. */
const PDFJS_ROOT = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));

/**
 * Extracts the text of a PDF.
 *
 * @example
 * const text = await readPdf(bytes);
 * // "金山区加快推进虹桥国际开放枢纽建设实施方案\n一、总体要求\n…\n\f\n三、保障措施\n序号\t任务\t牵头单位"
 * @throws {ImportError} `corrupt-pdf`, `encrypted-pdf` or `no-text-layer`
 */
export async function readPdf(bytes: Uint8Array): Promise<string> {
  const pdfjs = await loadPdfJs();
  const task = pdfjs.getDocument({
    // pdf.js transfers (detaches) the buffer it is given; a copy leaves the caller's bytes intact.
    data: new Uint8Array(bytes), // a copy, and a plain Uint8Array: pdf.js refuses Node Buffers
    // Read local files only: no fetch, no eval of font programs, no system fonts, no font loading.
    cMapUrl: join(PDFJS_ROOT, 'cmaps') + '/',
    cMapPacked: true,
    standardFontDataUrl: join(PDFJS_ROOT, 'standard_fonts') + '/',
    wasmUrl: join(PDFJS_ROOT, 'wasm') + '/',
    useWorkerFetch: false,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    enableXfa: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  try {
    const document = await task.promise.catch((error: unknown) => {
      throw openError(error);
    });
    const pages: Block[][] = [];
    for (let pageNumber = 1; pageNumber <= document.numPages; pageNumber++) {
      const page = await document.getPage(pageNumber);
      pages.push(await readPage(page, pdfjs));
      page.cleanup();
    }
    const text = joinPages(pages);
    checkTextLayer(text, document.numPages);
    return text;
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw corruptPdf();
  } finally {
    // Ends the in-process worker and frees the document, so nothing outlives the call. A failure to clean up
    // must not turn a text that was read into an error.
    await task.destroy().catch(() => undefined);
  }
}

function openError(error: unknown): ImportError {
  if (error instanceof Error && error.name === 'PasswordException') {
    return new ImportError(
      'encrypted-pdf',
      '该 PDF 已加密，需要密码才能打开，请提供未加密的版本（the PDF is password-protected）',
    );
  }
  return corruptPdf();
}

function corruptPdf(): ImportError {
  return new ImportError('corrupt-pdf', 'PDF 文件已损坏或不完整，无法打开（the PDF file is damaged or truncated）');
}

function checkTextLayer(text: string, pageCount: number): void {
  let visible = 0;
  let meaningful = 0;
  for (const char of text) {
    if (/\s/u.test(char)) continue;
    visible++;
    // Control characters, private-use code points and U+FFFD are what glyphs without a Unicode mapping become.
    if (!/[\p{Cc}\p{Co}\uFFFD]/u.test(char)) meaningful++;
  }
  if (meaningful < MIN_CHARS_PER_PAGE * Math.max(1, pageCount) || meaningful < visible * MIN_MEANINGFUL_SHARE) {
    throw new ImportError(
      'no-text-layer',
      '该 PDF 没有文字层（可能是扫描件），请提供文字版或先做文字识别（no text layer: scanned PDF?）',
    );
  }
}

/** A line of running text, or a table read through its grid, in reading order. */
type Block = { kind: 'line'; text: string } | { kind: 'table'; table: Table };

/** Rebuilds the lines and tables of one page. */
async function readPage(page: PDFPageProxy, pdfjs: PdfJs): Promise<Block[]> {
  const content = await page.getTextContent();
  const { runs, turn } = toRuns(content.items);
  const lines = groupLines(runs);
  const asLines = () => lines.map((line): Block => ({ kind: 'line', text: foldGlyphAliases(joinLine(line)) }));
  // A table shows as column gaps in its visual lines. Only such pages pay for the operator list, which costs
  // about as much as the text itself; a failure to read it leaves the page as running text, not unreadable.
  if (!lines.some(hasColumnGap)) return asLines();
  const operatorList = await page.getOperatorList({ annotationMode: pdfjs.AnnotationMode.DISABLE }).catch(() => null);
  if (!operatorList) return asLines();
  const { tables, rest } = findTables(runs, findRules(operatorList, pdfjs.OPS).map(turn));
  if (tables.length === 0) return asLines();

  // Tables take the place of the visual lines inside them; the other lines stay as they were, in page order.
  const placed: { top: number; block: Block }[] = [
    ...groupLines(rest).map((line) => ({
      top: line[0]?.y ?? 0,
      block: { kind: 'line', text: foldGlyphAliases(joinLine(line)) } as const,
    })),
    ...tables.map((table) => ({ top: table.top, block: { kind: 'table', table } as const })),
  ];
  return placed.sort((a, b) => b.top - a.top).map(({ block }) => block);
}

/**
 * Joins the pages' blocks into the document text. A table row that a page break cut (the grid is open along
 * the break on both sides) is put back together on the page where it starts.
 */
function joinPages(pages: Block[][]): string {
  let cut: { row: Cell[]; table: Table } | null = null;
  for (const blocks of pages) {
    const first = blocks.find((block) => block.kind === 'table')?.table;
    const rest = first?.rows[0];
    if (cut && first?.isOpenAtTop && rest && isSameGrid(cut.table, first) && haveSameSpans(cut.row, rest)) {
      cut.row.forEach((cell, c) => (cell.text = joinCellParts(cell.text, rest[c]?.text ?? '')));
      first.rows.shift();
    }
    const last = blocks.findLast((block) => block.kind === 'table')?.table;
    const row = last?.isOpenAtBottom ? last.rows.at(-1) : undefined;
    cut = last && row ? { row, table: last } : null;
  }
  return pages.map((blocks) => blocks.flatMap(renderBlock).join('\n')).join(PAGE_SEPARATOR);
}

/** The same table going on: the same column boundaries, to within the width of a border or two. */
function isSameGrid(a: Table, b: Table): boolean {
  return a.columns.length === b.columns.length && a.columns.every((x, i) => Math.abs(x - (b.columns[i] ?? 0)) <= 3);
}

function haveSameSpans(a: readonly Cell[], b: readonly Cell[]): boolean {
  return a.length === b.length && a.every((cell, i) => cell.span === b[i]?.span);
}

function joinCellParts(first: string, second: string): string {
  return /[A-Za-z0-9]$/.test(first) && /^[A-Za-z0-9]/.test(second) ? `${first} ${second}` : first + second;
}

/**
 * One line per table row, cells separated by "\t". A merged cell keeps the tabs of the columns it covers, so the
 * cells after it stay under their headings; at the end of a row they would only add empty cells, so a row
 * spanning the whole table (a section heading) reads as a plain line. Rows with no text (spacers) are left out.
 */
function renderBlock(block: Block): string[] {
  if (block.kind === 'line') return [block.text];
  return block.table.rows
    .filter((row) => row.some((cell) => cell.text !== ''))
    .map((row) =>
      row.map((cell, i) => (i < row.length - 1 ? cell.text + '\t'.repeat(cell.span - 1) : cell.text)).join('\t'),
    );
}

/**
 * The page's text runs, turned so that the page's main baseline is horizontal, and the same turn for other
 * page coordinates (the table rules).
 */
function toRuns(items: readonly TextContentItem[]): { runs: Run[]; turn: (segment: Segment) => Segment } {
  const placed: { text: string; angle: number; x: number; y: number; width: number; size: number }[] = [];
  for (const item of items) {
    // Marked-content markers carry no text; whitespace-only runs and empty end-of-line markers (hasEOL) add
    // nothing that the positions of the runs around them do not already say.
    if (!('str' in item) || item.str.trim() === '') continue;
    const [a = 1, b = 0, c = 0, d = 1, x = 0, y = 0] = item.transform as number[];
    const size = Math.hypot(c, d) || item.height || 1;
    placed.push({ text: item.str, angle: Math.atan2(b, a), x, y, width: item.width, size });
  }

  // The page's main direction is the angle that carries most of the text; usually 0, ±90° on a rotated page.
  const weightByAngle = new Map<number, number>();
  for (const run of placed) {
    const key = Math.round((run.angle * 180) / Math.PI);
    weightByAngle.set(key, (weightByAngle.get(key) ?? 0) + run.text.length);
  }
  const mainDegrees = [...weightByAngle].sort((p, q) => q[1] - p[1])[0]?.[0] ?? 0;
  const mainAngle = (mainDegrees * Math.PI) / 180;
  const [cos, sin] = [Math.cos(-mainAngle), Math.sin(-mainAngle)];
  const turnX = (x: number, y: number) => x * cos - y * sin;
  const turnY = (x: number, y: number) => x * sin + y * cos;

  const runs = placed
    .filter((run) => Math.abs(normaliseAngle(run.angle - mainAngle)) <= MAX_SKEW_RADIANS)
    .map((run) => ({
      text: run.text,
      x: turnX(run.x, run.y),
      y: turnY(run.x, run.y),
      width: run.width,
      size: run.size,
    }));
  const turn = ({ x0, y0, x1, y1 }: Segment): Segment => {
    const [ax, ay, bx, by] = [turnX(x0, y0), turnY(x0, y0), turnX(x1, y1), turnY(x1, y1)];
    return { x0: Math.min(ax, bx), y0: Math.min(ay, by), x1: Math.max(ax, bx), y1: Math.max(ay, by) };
  };
  return { runs, turn };
}

function normaliseAngle(angle: number): number {
  return Math.atan2(Math.sin(angle), Math.cos(angle));
}

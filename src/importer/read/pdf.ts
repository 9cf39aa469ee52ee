/**
 * Reads the text layer of a PDF with pdf.js. A PDF holds positioned glyph runs, not lines or paragraphs, so
 * lines are rebuilt from geometry: runs on the same baseline form a line, ordered left to right. Pages are
 * separated by "\n\f\n". A PDF that yields (almost) no text is a scan and is refused with `no-text-layer`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as PdfJsModule from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { ImportError } from '../errors.ts';
import { foldGlyphAliases } from './glyph-aliases.ts';

/**
 * Fewer meaningful characters than this per page, on average, means there is no real text layer. A text page
 * holds hundreds; a scan holds none, or a few from a scanner app's stamp ("扫描全能王 创建" is 7), which is why
 * the bar sits above a handful rather than at zero.
 */
const MIN_CHARS_PER_PAGE = 20;

/** Below this share of meaningful characters, the text layer is glyph garbage (fonts without a Unicode map). */
const MIN_MEANINGFUL_SHARE = 0.5;

/** A gap wider than this many font sizes between two runs on a line is a column break (table cell) → "\t". */
const COLUMN_GAP_EM = 0.6;

/** Two ASCII words further apart than this many font sizes get a space between them. */
const WORD_GAP_EM = 0.1;

/** Text whose baseline is turned more than this from the page's main direction is a watermark or stamp. */
const MAX_SKEW_RADIANS = (2 * Math.PI) / 180;

/** The line that separates pages, as in the .docx reader. */
const PAGE_SEPARATOR = '\n\f\n';

type PdfJs = typeof PdfJsModule;
type TextContentItem = Awaited<ReturnType<PDFPageProxy['getTextContent']>>['items'][number];

let pdfJs: Promise<PdfJs> | undefined;

/** pdf.js is large and polyfills a few globals when loaded, so it is loaded on the first PDF only. */
function loadPdfJs(): Promise<PdfJs> {
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
    const pages: string[] = [];
    for (let pageNumber = 1; pageNumber <= document.numPages; pageNumber++) {
      const page = await document.getPage(pageNumber);
      const content = await page.getTextContent();
      pages.push(layOutPage(content.items));
      page.cleanup();
    }
    const text = pages.join(PAGE_SEPARATOR);
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

/** A run of text placed on the page, in coordinates turned so that the page's main baseline is horizontal. */
interface Run {
  text: string;
  x: number;
  y: number;
  width: number;
  size: number;
}

/** Rebuilds the lines of one page from its text runs. */
function layOutPage(items: readonly TextContentItem[]): string {
  const runs = toRuns(items);
  // Top to bottom (PDF y grows upwards), then left to right.
  runs.sort((a, b) => b.y - a.y || a.x - b.x);

  const lines: Run[][] = [];
  let baseline = Number.NaN;
  let lineSize = 0;
  for (const run of runs) {
    const line = lines.at(-1);
    // Runs within half a font height of the line's baseline share it (this also keeps super- and subscripts).
    if (line && Math.abs(run.y - baseline) <= 0.5 * Math.max(lineSize, run.size)) {
      line.push(run);
      lineSize = Math.max(lineSize, run.size);
    } else {
      lines.push([run]);
      baseline = run.y;
      lineSize = run.size;
    }
  }
  return lines.map((line) => foldGlyphAliases(joinLine(line.sort((a, b) => a.x - b.x)))).join('\n');
}

function toRuns(items: readonly TextContentItem[]): Run[] {
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

  return placed
    .filter((run) => Math.abs(normaliseAngle(run.angle - mainAngle)) <= MAX_SKEW_RADIANS)
    .map((run) => ({
      text: run.text,
      x: run.x * cos - run.y * sin,
      y: run.x * sin + run.y * cos,
      width: run.width,
      size: run.size,
    }));
}

function normaliseAngle(angle: number): number {
  return Math.atan2(Math.sin(angle), Math.cos(angle));
}

/**
 * Joins the runs of one line, left to right. Chinese needs no spaces between runs; two ASCII words with a
 * visible gap get one; a gap of more than about two ASCII character widths is a table column and becomes "\t".
 */
function joinLine(runs: readonly Run[]): string {
  let text = '';
  let previous: Run | undefined;
  for (const run of runs) {
    if (!previous) {
      text = run.text;
      previous = run;
      continue;
    }
    // Some writers fake bold by drawing the same text twice, a hair apart; keep one copy.
    if (run.text === previous.text && Math.abs(run.x - previous.x) < 0.3 * run.size) continue;

    const gap = run.x - (previous.x + previous.width);
    const size = Math.max(run.size, previous.size);
    if (gap > COLUMN_GAP_EM * size) {
      text += '\t';
    } else if (gap > WORD_GAP_EM * size && /[A-Za-z0-9]$/.test(text) && /^[A-Za-z0-9]/.test(run.text)) {
      text += ' ';
    }
    text += run.text;
    previous = run;
  }
  return text;
}

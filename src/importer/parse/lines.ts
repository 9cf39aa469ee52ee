/**
 * From raw text to logical lines: Markdown and bold marks removed, page separators and page numbers dropped,
 * table rows split into cells, and lines that a page break or a hard wrap cut apart joined again. Every line
 * keeps the offsets of the input it came from.
 */
import { readMarker } from './markers.ts';
import { openBracketDepth, squeezeSpaces } from './text.ts';
import { LABEL_LINE } from './units.ts';
import { findFlatTables } from './flat-tables.ts';

/** Indexes of the lines that flattened tables take. */
function flatTableLines(lines: PhysicalLine[]): Set<number> {
  if (!lines.some((l) => l.text === '序号' || l.text === '编号')) return new Set();
  return new Set(findFlatTables(lines).flatMap((t) => [...t.lines]));
}

export interface Line {
  /** Cleaned text: no Markdown marks, no space between CJK characters. */
  text: string;
  /** Offsets of the line in the input; `end` is exclusive and stops before the line break. */
  start: number;
  end: number;
  /** The bold phrase the line opens with (after a number marker or a dash bullet), cleaned; null when none. */
  bold: string | null;
  /** True when the whole line is bold or is a Markdown heading. */
  emphasized: boolean;
  /** Cells of a table row (Markdown pipes or tab-separated columns); null for a prose line. */
  cells: string[] | null;
  /** True for a cell of a table flattened one cell per line (flat-tables.ts): never joined to its neighbours. */
  flat?: true;
}

interface PhysicalLine extends Line {
  /** A page separator or page number stood between this line and the one before. */
  breakBefore: boolean;
  /** Brackets left open at the end of the text (kept as lines are joined, so joining stays linear). */
  depth: number;
  /** Display width of the last physical line joined in. */
  width: number;
  /** A bare number on a line of its own: a page number, or a row number of a flattened table. */
  bareNumber?: true;
}

const PAGE_RULE = /^(?:-{3,}|\*{3,}|_{3,}|={3,}|\f+)$/;
// "— 3 —", "- 12 -", "第 3 页", "3 / 20", "第3页 共20页", a bare page number.
const PAGE_NUMBER =
  /^(?:[-—－–~·]\s*\d{1,4}\s*[-—－–~·]|第\s*\d{1,4}\s*页(?:\s*[，,]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*\/\s*\d{1,4}|\d{1,3})$/;
const MD_PREFIX = /^(?:#{1,6}\s+|>\s*|[-*+]\s+(?![-—]))/;
const TABLE_RULE = /^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$/;
const TERMINAL = /[。！？；：:;!?]/;
const UNIT_WORDS = /单位|牵头|负责|配合|参与|部门|指导|协同/;
const BULLET = /^(?:——|—|-|·|•|●|■|◆)/;

/** Splits text into logical lines. */
export function toLines(input: string): Line[] {
  const physical = physicalLines(input);
  // A table flattened one cell per line keeps its lines as they are: its row numbers are not page numbers, and
  // its cells are not a heading and its wrap. Elsewhere a bare number is a page number.
  const flat = flatTableLines(physical);
  const lines: PhysicalLine[] = [];
  let breakBefore = false;
  for (const [i, line] of physical.entries()) {
    if (flat.has(i)) {
      line.flat = true;
      lines.push(line);
    } else if (line.bareNumber) {
      breakBefore = true;
    } else {
      if (breakBefore) line.breakBefore = true;
      breakBefore = false;
      lines.push(line);
    }
  }
  return joinBrokenLines(lines, wrapWidth(lines));
}

/** Display width in full-width characters: Latin letters, digits and spaces take half a column, the rest one. */
function displayWidth(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length; i++) width += text.charCodeAt(i) < 0x100 ? 0.5 : 1;
  return width;
}

/**
 * The width at which the text was hard-wrapped (a PDF's or a copied page's lines), or null when its lines are
 * paragraphs. Wrapped text has a crowd of lines of one width, the measure of the page.
 */
function wrapWidth(lines: PhysicalLine[]): number | null {
  const counts = new Map<number, number>();
  let prose = 0;
  for (const line of lines) {
    if (line.cells) continue;
    prose++;
    const width = Math.round(line.width);
    if (width >= 12) counts.set(width, (counts.get(width) ?? 0) + 1);
  }
  if (prose < 10) return null;
  let mode = 0;
  let best = 0;
  for (const [width, count] of counts) {
    // Digits and Latin letters make full lines a little narrower or wider: count a band of three widths.
    const near = count + (counts.get(width - 1) ?? 0) + (counts.get(width - 2) ?? 0);
    if (near > best || (near === best && width > mode)) [mode, best] = [width, near];
  }
  return best / prose >= 0.3 ? mode : null;
}

function physicalLines(input: string): PhysicalLine[] {
  const lines: PhysicalLine[] = [];
  let pos = 0;
  let breakBefore = false;
  while (pos <= input.length) {
    let next = input.indexOf('\n', pos);
    if (next < 0) next = input.length;
    let end = next;
    if (end > pos && input.charCodeAt(end - 1) === 13) end--;
    const raw = input.slice(pos, end);
    const start = pos;
    pos = next + 1;
    const line = cleanLine(raw, start, end);
    if (line === 'page') breakBefore = true;
    else if (line !== 'skip') {
      line.breakBefore = breakBefore;
      lines.push(line);
      breakBefore = false;
    }
  }
  return lines;
}

function cleanLine(raw: string, start: number, end: number): PhysicalLine | 'skip' | 'page' {
  const hasFormFeed = raw.includes('\f');
  let text = (hasFormFeed ? raw.replace(/\f/g, ' ') : raw).trim();
  if (text === '') return hasFormFeed ? 'page' : 'skip';
  // Separators and page numbers are short: test only short lines.
  if (text.length <= 24 && (PAGE_RULE.test(raw.trim()) || PAGE_NUMBER.test(text))) {
    if (!/^\d{1,3}$/.test(text)) return 'page';
    const line = physical(text, start, end, null, false, null);
    line.bareNumber = true;
    return line;
  }
  let emphasized = false;
  const prefix = '#>-*+'.includes(text[0] ?? '') ? MD_PREFIX.exec(text) : null;
  if (prefix) {
    emphasized = prefix[0].startsWith('#');
    text = text.slice(prefix[0].length);
  }
  const cells = tableCells(text);
  if (cells === 'rule') return 'skip';
  if (cells) {
    const clean = cells.map((cell) => squeezeSpaces(cell.replace(/\*\*/g, '')));
    return physical(clean.join(' '), start, end, null, false, clean);
  }
  const { plain, boldSpans } = stripBold(text);
  const cleaned = squeezeSpaces(plain);
  const leading = leadingBold(plain, boldSpans);
  if (boldSpans.length === 1 && boldSpans[0] && squeezeSpaces(boldSpans[0].text) === cleaned) emphasized = true;
  return physical(cleaned, start, end, leading, emphasized, null);
}

function physical(
  text: string,
  start: number,
  end: number,
  bold: string | null,
  emphasized: boolean,
  cells: string[] | null,
): PhysicalLine {
  const depth = /[（(【[〔［]/.test(text) ? openBracketDepth(text) : 0;
  // Only a line near the page's measure matters for wrapping; a long one is simply wider than any measure.
  const width = text.length > 120 ? text.length : displayWidth(text);
  return { text, start, end, bold, emphasized, cells, breakBefore: false, depth, width };
}

function tableCells(text: string): string[] | null | 'rule' {
  if (text.startsWith('|')) {
    if (TABLE_RULE.test(text)) return 'rule';
    const inner = text.replace(/^\|/, '').replace(/\|\s*$/, '');
    return inner.split('|').map((c) => c.trim());
  }
  if (text.includes('\t')) {
    const cells = text.split('\t').map((c) => c.trim());
    // "一、\t总体要求" is a heading with a tab after its number, not a table row.
    if (cells.length === 2 && readMarker(cells[0] ?? '')?.raw === cells[0]) return null;
    if (cells.filter((c) => c !== '').length >= 2) return cells;
  }
  return null;
}

interface BoldSpan {
  start: number;
  text: string;
}

function stripBold(text: string): { plain: string; boldSpans: BoldSpan[] } {
  if (!text.includes('**')) return { plain: text, boldSpans: [] };
  const parts = text.split('**');
  // An odd number of ** marks: a bold run cut off by a line break. Drop the marks, keep no emphasis.
  if (parts.length === 1 || parts.length % 2 === 0) return { plain: parts.join(''), boldSpans: [] };
  let plain = '';
  const boldSpans: BoldSpan[] = [];
  parts.forEach((part, i) => {
    if (i % 2 === 1 && part.trim() !== '') boldSpans.push({ start: plain.length, text: part });
    plain += part;
  });
  return { plain, boldSpans };
}

/** The bold phrase a line opens with, after any number marker or dash bullet: a task's or goal's title. */
function leadingBold(plain: string, spans: BoldSpan[]): string | null {
  const first = spans[0];
  if (!first) return null;
  let lead = plain.slice(0, first.start);
  let bold = first.text;
  // The marker and bullet may sit outside the bold run or inside it.
  const outside = stripLinePrefix(lead.trim());
  if (outside !== '') return null;
  bold = stripLinePrefix(bold.trim());
  lead = squeezeSpaces(bold);
  return lead === '' ? null : lead;
}

/** Removes a leading dash bullet and number marker. */
export function stripLinePrefix(text: string): string {
  let rest = text
    .replace(BULLET, '')
    .replace(/^[—-]+/, '')
    .trim();
  const marker = readMarker(rest);
  if (marker) rest = rest.slice(marker.length).trim();
  return rest;
}

function isHeadingLike(line: Line): boolean {
  if (line.cells || !(line.emphasized || line.text.length <= 30)) return false;
  return !line.text.includes('。');
}

/** Ends a sentence, or a bracket that names units ("…（牵头单位：区发改委）"). */
function endsStatement(text: string): boolean {
  const last = text[text.length - 1] ?? '';
  if (TERMINAL.test(last)) return true;
  if (last !== '）' && last !== ')') return false;
  const open = Math.max(text.lastIndexOf('（'), text.lastIndexOf('('));
  return open >= 0 && UNIT_WORDS.test(text.slice(open));
}

function shouldJoin(a: PhysicalLine, b: PhysicalLine, fullWidth: number | null): boolean {
  if (a.cells || b.cells || a.flat || b.flat || readMarker(b.text)) return false;
  if (a.depth > 0) return true;
  if (LABEL_LINE.test(b.text) || BULLET.test(b.text) || /^(?:专栏|附件|抄送)/.test(b.text)) return false;
  if (endsStatement(a.text)) return false;
  // In hard-wrapped text a line that runs (nearly: a first line is indented by two characters) to the measure
  // goes on in the next one — unless it is a numbered heading and the next line opens a sentence of its own.
  if (fullWidth !== null && a.width >= fullWidth - 4) {
    if (!readMarker(a.text) || a.text.includes('。')) return true;
    const clause = b.text.search(/[。，；：]/);
    return clause < 0 ? b.text.length <= 16 : clause < 16;
  }
  if (isHeadingLike(a)) {
    // A heading cut by a page break or a wrap: the rest is a short fragment with no sentence in it, or,
    // across a page break, a short fragment that ends the heading's sentence ("融合发展。建设…").
    if (b.text.length <= 16 && !/[。；：，]/.test(b.text)) return true;
    const stop = b.text.search(/[。；：，]/);
    return b.breakBefore && stop > 0 && stop <= 12 && b.text[stop] === '。';
  }
  return true;
}

function joinBrokenLines(lines: PhysicalLine[], fullWidth: number | null): Line[] {
  const out: PhysicalLine[] = [];
  let current: PhysicalLine | undefined;
  for (const line of lines) {
    if (current && shouldJoin(current, line, fullWidth)) {
      const wholeBold = current.emphasized && (line.emphasized || line.bold === line.text);
      // A bold heading cut in two keeps one bold title: "**（三）推动农产品加工业**" + "**提档升级。**正文".
      let bold = current.bold;
      if (current.emphasized && bold !== null) {
        // The rest of a bold heading that a page break cut off, bold or not: up to its full stop.
        const stop = line.text.search(/[。！？]/);
        bold += wholeBold ? line.text : (line.bold ?? (stop < 0 ? line.text : line.text.slice(0, stop + 1)));
      }
      current = {
        ...current,
        text: current.text + line.text,
        end: line.end,
        depth: openBracketDepth(line.text, current.depth),
        width: line.width,
        emphasized: wholeBold,
        bold,
      };
      continue;
    }
    if (current) out.push(current);
    current = line;
  }
  if (current) out.push(current);
  return out;
}

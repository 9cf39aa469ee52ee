/**
 * Lines rebuilt from the positioned text runs of a PDF page: runs on the same baseline form a line, ordered left
 * to right. Shared by the page's running text and the text inside table cells.
 */

/** A gap wider than this many font sizes between two runs on a line is a column break (table cell) → "\t". */
const COLUMN_GAP_EM = 0.6;

/** Two ASCII words further apart than this many font sizes get a space between them. */
const WORD_GAP_EM = 0.1;

/** A run of text placed on the page, in coordinates turned so that the page's main baseline is horizontal. */
export interface Run {
  text: string;
  /** Left end of the baseline. */
  x: number;
  /** The baseline; PDF y grows upwards. */
  y: number;
  width: number;
  size: number;
}

/**
 * Groups runs into lines, top to bottom, each line's runs left to right.
 *
 * @example
 * groupLines([{ text: '任务', x: 90, y: 700, width: 32, size: 16 }, { text: '一、', x: 58, y: 701, width: 32, size: 16 }]);
 * // [[{ text: '一、', … }, { text: '任务', … }]]
 */
export function groupLines(runs: readonly Run[]): Run[][] {
  // Top to bottom (PDF y grows upwards), then left to right.
  const sorted = [...runs].sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: Run[][] = [];
  let baseline = Number.NaN;
  let lineSize = 0;
  for (const run of sorted) {
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
  for (const line of lines) line.sort((a, b) => a.x - b.x);
  return lines;
}

/**
 * Joins the runs of one line, left to right. Chinese needs no spaces between runs; two ASCII words with a
 * visible gap get one; a gap of more than about two ASCII character widths is a table column and becomes "\t".
 *
 * @example
 * joinLine(groupLines(runs)[0]); // "序号\t任务\t牵头单位"
 */
export function joinLine(runs: readonly Run[]): string {
  return joinRuns(runs, '\t');
}

/**
 * True when a line holds a gap that {@link joinLine} turns into a column break.
 *
 * @example
 * groupLines(runs).some(hasColumnGap); // true on a page with a table
 */
export function hasColumnGap(runs: readonly Run[]): boolean {
  return joinLine(runs).includes('\t');
}

/**
 * Joins the lines of one table cell into its text. A cell's lines are one text wrapped to the cell's width, so
 * they are concatenated; spaces next to Chinese characters are dropped, as justification in a narrow cell
 * spreads "牵头单位" into "牵 头 单 位" and pdf.js reports the spread as spaces.
 *
 * @example
 * joinCellLines(groupLines(cellRuns)); // "区财政局、区税务局" from "区 财 政 局 、 区 税" over "务 局"
 */
export function joinCellLines(lines: readonly (readonly Run[])[]): string {
  let text = '';
  for (const line of lines) {
    const part = joinRuns(line, ' ');
    text += /[A-Za-z0-9]$/.test(text) && /^[A-Za-z0-9]/.test(part) ? ` ${part}` : part;
  }
  return text
    .replace(/\s+/g, ' ')
    .replace(/ (?=[^\x20-\x7e])|(?<=[^\x20-\x7e]) /g, '')
    .trim();
}

function joinRuns(runs: readonly Run[], columnBreak: string): string {
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
      text += columnBreak;
    } else if (gap > WORD_GAP_EM * size && /[A-Za-z0-9]$/.test(text) && /^[A-Za-z0-9]/.test(run.text)) {
      text += ' ';
    }
    text += run.text;
    previous = run;
  }
  return text;
}

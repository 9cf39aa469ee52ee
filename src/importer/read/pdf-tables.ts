/**
 * Bordered tables on a PDF page, rebuilt from the ruling lines that draw their cells. A table's text, read as
 * visual lines, interleaves its cells ("牵 头 单" over "位"); read through the grid, each cell's wrapped lines
 * join into its text and each table row becomes one line of cells.
 */
import { foldGlyphAliases } from './glyph-aliases.ts';
import { groupLines, joinCellLines, type Run } from './pdf-lines.ts';
import type { Segment } from './pdf-rules.ts';

/**
 * Rules and boundaries closer than this (in points) are one: a 1px border is 0.75pt, and with separate borders
 * (HTML's default border-spacing of 2px) the borders of neighbouring cells are 2.25pt apart.
 */
const SNAP = 3;

/** Pieces of one line with gaps up to this are one rule (the dashes of a dashed border, 1.75pt apart). */
const JOIN_GAP = 4;

/** A rule shorter than this is a mark (a dash, a bullet), not a border. */
const MIN_RULE_LENGTH = 3;

/**
 * With more rules or cells than this a page is a drawing (a chart, graph paper), not a form; it is read as
 * running text. A full page of table holds some 40 rows of a dozen columns.
 */
const MAX_RULES = 1000;
const MAX_CELLS = 10_000;

/** Where a glyph's middle sits above its baseline, in font sizes (CJK glyphs fill about −0.12 to 0.88 em). */
const MIDDLE_ABOVE_BASELINE_EM = 0.35;

/** One cell of a table row; `span` is how many grid columns it covers. */
export interface Cell {
  text: string;
  span: number;
}

export interface Table {
  /** The y of the grid's top edge, in the turned page coordinates of the runs (y upwards). */
  top: number;
  /** Column boundaries, left to right. */
  columns: readonly number[];
  rows: Cell[][];
  /** The grid has no rule along its top or bottom edge: a page break cut its first or last row. */
  isOpenAtTop: boolean;
  isOpenAtBottom: boolean;
}

/** A ruling line: `at` is its y (horizontal) or x (vertical); it runs from `from` to `to` along the other axis. */
interface Rule {
  at: number;
  from: number;
  to: number;
}

interface Grid {
  xs: number[];
  /** Row boundaries, top to bottom (descending y). */
  ys: number[];
  horizontals: Rule[];
  verticals: Rule[];
}

/**
 * Finds the tables the rules draw and reads the runs inside them; runs outside every table are returned as they
 * came. A grid needs two columns at least: a single framed box (a 专栏 around paragraphs) stays running text.
 *
 * @example
 * const { tables, rest } = findTables(runs, segments);
 * tables[0]?.rows[1]; // [{ text: '1', span: 1 }, { text: '实施高新技术企业培育计划。', span: 1 }, …]
 */
export function findTables(runs: readonly Run[], segments: readonly Segment[]): { tables: Table[]; rest: Run[] } {
  const grids = findGrids(segments);
  if (grids.length === 0) return { tables: [], rest: [...runs] };

  const runsByGrid = grids.map((): Run[] => []);
  const rest: Run[] = [];
  for (const run of runs) {
    const cx = run.x + run.width / 2;
    const cy = run.y + MIDDLE_ABOVE_BASELINE_EM * run.size;
    const index = grids.findIndex((grid) => isInside(grid, cx, cy));
    if (index < 0) rest.push(run);
    else runsByGrid[index]?.push(run);
  }
  const tables = grids.map((grid, i) => readGrid(grid, runsByGrid[i] ?? []));
  return { tables, rest };
}

function isInside(grid: Grid, x: number, y: number): boolean {
  return x >= (grid.xs[0] ?? 0) && x <= (grid.xs.at(-1) ?? 0) && y <= (grid.ys[0] ?? 0) && y >= (grid.ys.at(-1) ?? 0);
}

function findGrids(segments: readonly Segment[]): Grid[] {
  const horizontals: Rule[] = [];
  const verticals: Rule[] = [];
  for (const s of segments) {
    if (Math.abs(s.y1 - s.y0) <= 0.5) horizontals.push({ at: (s.y0 + s.y1) / 2, from: s.x0, to: s.x1 });
    else if (Math.abs(s.x1 - s.x0) <= 0.5) verticals.push({ at: (s.x0 + s.x1) / 2, from: s.y0, to: s.y1 });
  }
  const hs = mergeRules(horizontals);
  const vs = mergeRules(verticals);
  if (hs.length === 0 || vs.length < 2 || hs.length > MAX_RULES || vs.length > MAX_RULES) return [];

  // Rules that touch belong to one table: sets over horizontals (0…) and verticals (hs.length…).
  const { find, union } = disjointSets(hs.length + vs.length);
  hs.forEach((h, i) => {
    vs.forEach((v, j) => {
      if (v.at >= h.from - SNAP && v.at <= h.to + SNAP && h.at >= v.from - SNAP && h.at <= v.to + SNAP) {
        union(i, hs.length + j);
      }
    });
  });
  const components = new Map<number, { horizontals: Rule[]; verticals: Rule[] }>();
  const componentOf = (i: number) => {
    const root = find(i);
    let component = components.get(root);
    if (!component) components.set(root, (component = { horizontals: [], verticals: [] }));
    return component;
  };
  hs.forEach((h, i) => componentOf(i).horizontals.push(h));
  vs.forEach((v, j) => componentOf(hs.length + j).verticals.push(v));

  const grids: Grid[] = [];
  for (const component of components.values()) {
    const grid = toGrid(component.horizontals, component.verticals);
    if (grid) grids.push(grid);
  }
  return grids.sort((a, b) => (b.ys[0] ?? 0) - (a.ys[0] ?? 0));
}

/** Joins the pieces of each line (Chromium draws every cell's borders separately) into whole rules. */
function mergeRules(rules: Rule[]): Rule[] {
  const sorted = [...rules].sort((a, b) => a.at - b.at);
  const merged: Rule[] = [];
  for (let i = 0; i < sorted.length;) {
    // A run of rules whose positions chain within SNAP lie on one line.
    let j = i + 1;
    while (j < sorted.length && (sorted[j]?.at ?? 0) - (sorted[j - 1]?.at ?? 0) <= SNAP) j++;
    const line = sorted.slice(i, j).sort((a, b) => a.from - b.from);
    const at = line.reduce((sum, rule) => sum + rule.at, 0) / line.length;
    let current: Rule | undefined;
    for (const rule of line) {
      if (current && rule.from <= current.to + JOIN_GAP) {
        current.to = Math.max(current.to, rule.to);
      } else {
        current = { at, from: rule.from, to: rule.to };
        merged.push(current);
      }
    }
    i = j;
  }
  return merged.filter((rule) => rule.to - rule.from >= MIN_RULE_LENGTH);
}

function toGrid(horizontals: Rule[], verticals: Rule[]): Grid | null {
  if (horizontals.length === 0 || verticals.length < 2) return null;
  const left = Math.min(...horizontals.map((h) => h.from), ...verticals.map((v) => v.at));
  const right = Math.max(...horizontals.map((h) => h.to), ...verticals.map((v) => v.at));
  const bottom = Math.min(...verticals.map((v) => v.from), ...horizontals.map((h) => h.at));
  const top = Math.max(...verticals.map((v) => v.to), ...horizontals.map((h) => h.at));
  const xs = clusterPositions([left, right, ...verticals.map((v) => v.at)]);
  const ys = clusterPositions([bottom, top, ...horizontals.map((h) => h.at)]).reverse();
  // Two columns at least, and rows of a readable height.
  if (xs.length < 3 || ys.length < 2 || top - bottom < 2 * SNAP) return null;
  if ((xs.length - 1) * (ys.length - 1) > MAX_CELLS) return null;
  return { xs, ys, horizontals, verticals };
}

/** Sorted distinct positions; positions within SNAP of the previous one join its cluster (kept at its mean). */
function clusterPositions(positions: number[]): number[] {
  const sorted = [...positions].sort((a, b) => a - b);
  const clusters: number[][] = [];
  for (const p of sorted) {
    const last = clusters.at(-1);
    if (last && p - (last.at(-1) ?? p) <= SNAP) last.push(p);
    else clusters.push([p]);
  }
  // The outermost clusters keep their outer edge, so that text near the frame stays inside the grid.
  return clusters.map((cluster, i) => {
    if (i === 0) return cluster[0] ?? 0;
    if (i === clusters.length - 1) return cluster.at(-1) ?? 0;
    return cluster.reduce((sum, p) => sum + p, 0) / cluster.length;
  });
}

/** Reads the cells of one grid: merged cells (no rule between two grid cells) read as one. */
function readGrid(grid: Grid, runs: readonly Run[]): Table {
  const { xs, ys } = grid;
  const columnCount = xs.length - 1;
  const rowCount = ys.length - 1;
  const middleX = (c: number) => ((xs[c] ?? 0) + (xs[c + 1] ?? 0)) / 2;
  const middleY = (r: number) => ((ys[r] ?? 0) + (ys[r + 1] ?? 0)) / 2;
  // The rules along each boundary, so that a grid of R×C cells costs R×C look-ups of a few rules each.
  const verticalsAt = rulesByBoundary(grid.verticals, xs, false);
  const horizontalsAt = rulesByBoundary(grid.horizontals, ys, true);
  const hasRule = (rules: readonly Rule[] | undefined, along: number) =>
    rules?.some((rule) => along >= rule.from - SNAP && along <= rule.to + SNAP) ?? false;

  // Grid cells with no rule between them are one merged cell.
  const { find, union } = disjointSets(rowCount * columnCount);
  for (let r = 0; r < rowCount; r++) {
    for (let c = 0; c < columnCount; c++) {
      const cell = r * columnCount + c;
      if (c + 1 < columnCount && !hasRule(verticalsAt[c + 1], middleY(r))) union(cell, cell + 1);
      if (r + 1 < rowCount && !hasRule(horizontalsAt[r + 1], middleX(c))) union(cell, cell + columnCount);
    }
  }

  const runsByCell = new Map<number, Run[]>();
  for (const run of runs) {
    for (const piece of splitAtColumns(run, xs)) {
      const cy = piece.y + MIDDLE_ABOVE_BASELINE_EM * piece.size;
      const r = bandOf(ys, cy, true);
      const c = bandOf(xs, piece.x + piece.width / 2, false);
      const cell = find(r * columnCount + c);
      const list = runsByCell.get(cell);
      if (list) list.push(piece);
      else runsByCell.set(cell, [piece]);
    }
  }

  // A merged cell's text goes to its top row; the rows below it get an empty cell in its place.
  const topRowOf = new Map<number, number>();
  const rows: Cell[][] = [];
  for (let r = 0; r < rowCount; r++) {
    const row: Cell[] = [];
    let previous = -1;
    for (let c = 0; c < columnCount; c++) {
      const cell = find(r * columnCount + c);
      const last = row.at(-1);
      if (cell === previous && last) {
        last.span++;
        continue;
      }
      previous = cell;
      if (!topRowOf.has(cell)) topRowOf.set(cell, r);
      const isTop = topRowOf.get(cell) === r;
      row.push({ text: isTop ? cellText(runsByCell.get(cell) ?? []) : '', span: 1 });
    }
    // A row shorter than the others (its last cells never written) ends in a void without a right border: no cell.
    if (row.length > 1 && row.at(-1)?.text === '' && !hasRule(verticalsAt[columnCount], middleY(r))) row.pop();
    rows.push(row);
  }

  // An outer edge without any rule along it is where a page break cut the table (the verticals run on to it).
  return {
    top: ys[0] ?? 0,
    columns: xs,
    rows,
    isOpenAtTop: (horizontalsAt[0]?.length ?? 0) === 0,
    isOpenAtBottom: (horizontalsAt[rowCount]?.length ?? 0) === 0,
  };
}

/** The rules that lie on each boundary (within SNAP), by the boundary's index. */
function rulesByBoundary(rules: readonly Rule[], bounds: readonly number[], descending: boolean): Rule[][] {
  const byBoundary = bounds.map((): Rule[] => []);
  for (const rule of rules) {
    const band = bandOf(bounds, rule.at, descending);
    // The rule lies on the band's near or far boundary, whichever is closer.
    const index =
      Math.abs(rule.at - (bounds[band] ?? 0)) <= Math.abs(rule.at - (bounds[band + 1] ?? 0)) ? band : band + 1;
    if (Math.abs(rule.at - (bounds[index] ?? 0)) <= SNAP) byBoundary[index]?.push(rule);
  }
  return byBoundary;
}

/** The band of `bounds` that holds `p`; `descending` bounds run from high to low (row boundaries). */
function bandOf(bounds: readonly number[], p: number, descending: boolean): number {
  let low = 0;
  let high = bounds.length - 2;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    const bound = bounds[mid] ?? 0;
    if (descending ? p <= bound : p >= bound) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * A run that crosses a column boundary holds the text of two cells (pdf.js joins glyphs that sit close on one
 * baseline); it is cut between its characters, placed as if evenly spaced.
 */
function splitAtColumns(run: Run, xs: readonly number[]): Run[] {
  const slack = 0.25 * run.size;
  const crosses = xs.some((x) => x > run.x + slack && x < run.x + run.width - slack);
  const chars = Array.from(run.text);
  if (!crosses || chars.length < 2) return [run];
  const step = run.width / chars.length;
  const pieces: Run[] = [];
  let start = 0;
  let column = bandOf(xs, run.x + step / 2, false);
  for (let i = 1; i <= chars.length; i++) {
    const next = i < chars.length ? bandOf(xs, run.x + step * (i + 0.5), false) : -1;
    if (next === column) continue;
    pieces.push({ ...run, text: chars.slice(start, i).join(''), x: run.x + step * start, width: step * (i - start) });
    start = i;
    column = next;
  }
  return pieces;
}

function cellText(runs: readonly Run[]): string {
  return foldGlyphAliases(joinCellLines(groupLines(runs)));
}

/** Disjoint sets over 0…size−1 (union-find with path halving). */
function disjointSets(size: number): { find: (i: number) => number; union: (a: number, b: number) => void } {
  const parent = Array.from({ length: size }, (_, i) => i);
  const find = (i: number): number => {
    let node = i;
    for (let up = parent[node] ?? node; up !== node; up = parent[node] ?? node) {
      const grandparent = parent[up] ?? up;
      parent[node] = grandparent;
      node = grandparent;
    }
    return node;
  };
  return { find, union: (a, b) => void (parent[find(a)] = find(b)) };
}

/**
 * The ruling lines a PDF page draws — the borders of table cells — read from pdf.js's operator list. Chromium
 * (Skia) and Word draw a cell border as a thin filled rectangle; other writers stroke a line or a rectangle.
 * Both become axis-aligned segments in page space (PDF units, y upwards), cut to the clip in force, so that a
 * border running past the page's printable area (a row cut by a page break) ends where the page does.
 */
import type * as PdfJsModule from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';

type OperatorList = Awaited<ReturnType<PDFPageProxy['getOperatorList']>>;
type Ops = typeof PdfJsModule.OPS;

/** An axis-aligned segment: x0 === x1 (vertical) or y0 === y1 (horizontal), x0 <= x1 and y0 <= y1. */
export interface Segment {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A filled shape thinner than this (in points) is a rule; 1px in Chromium is 0.75pt, Word's thick border 2.25pt. */
const MAX_RULE_WIDTH = 3;

/**
 * A piece of rule is at least twice as long as it is thick, and this long: a dash of a dashed border (Chromium
 * draws each dash of a 1px border as a 3px rectangle) is kept, to be joined with its neighbours into a line.
 */
const MIN_PIECE_LENGTH = 1.5;

/** pdf.js's path sub-operations (its DrawOPS, which the package does not export). */
const DRAW_MOVE_TO = 0;
const DRAW_LINE_TO = 1;
const DRAW_CURVE_TO = 2;
const DRAW_QUADRATIC_CURVE_TO = 3;
const DRAW_CLOSE_PATH = 4;

type Matrix = readonly [number, number, number, number, number, number];

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

interface GraphicsState {
  ctm: Matrix;
  clip: Box | null;
  isFillInvisible: boolean;
  isStrokeInvisible: boolean;
}

/**
 * Collects the page's ruling segments.
 *
 * @example
 * const segments = findRules(await page.getOperatorList(), pdfjs.OPS);
 * // [{ x0: 62.3, y0: 410.2, x1: 62.3, y1: 451.0 }, …]
 */
export function findRules(operatorList: OperatorList, ops: Ops): Segment[] {
  const { fnArray, argsArray } = operatorList;
  const fills = new Set<number>([
    ops.fill,
    ops.eoFill,
    ops.fillStroke,
    ops.eoFillStroke,
    ops.closeFillStroke,
    ops.closeEOFillStroke,
  ]);
  const strokes = new Set<number>([
    ops.stroke,
    ops.closeStroke,
    ops.fillStroke,
    ops.eoFillStroke,
    ops.closeFillStroke,
    ops.closeEOFillStroke,
  ]);

  const segments: Segment[] = [];
  const stack: GraphicsState[] = [];
  let state: GraphicsState = { ctm: [1, 0, 0, 1, 0, 0], clip: null, isFillInvisible: false, isStrokeInvisible: false };
  let isClipPending = false;

  for (let i = 0; i < fnArray.length; i++) {
    const fn = fnArray[i];
    const args: unknown = argsArray[i];
    switch (fn) {
      case ops.save:
        stack.push(state);
        break;
      case ops.restore:
        state = stack.pop() ?? state;
        break;
      case ops.transform: {
        const matrix = toMatrix(args);
        if (matrix) state = { ...state, ctm: multiply(state.ctm, matrix) };
        break;
      }
      case ops.paintFormXObjectBegin: {
        stack.push(state);
        const [matrix, bbox] = Array.isArray(args) ? (args as unknown[]) : [];
        const formMatrix = toMatrix(matrix);
        const ctm = formMatrix ? multiply(state.ctm, formMatrix) : state.ctm;
        const box = toBox(bbox);
        state = { ...state, ctm, clip: box ? intersect(state.clip, transformBox(ctm, box)) : state.clip };
        break;
      }
      case ops.paintFormXObjectEnd:
        state = stack.pop() ?? state;
        break;
      case ops.setFillRGBColor:
        state = { ...state, isFillInvisible: isWhite(args) };
        break;
      case ops.setStrokeRGBColor:
        state = { ...state, isStrokeInvisible: isWhite(args) };
        break;
      case ops.clip:
      case ops.eoClip:
        isClipPending = true;
        break;
      case ops.constructPath: {
        const [paintOp, [path] = [], minMax] = Array.isArray(args) ? (args as [unknown, unknown[]?, unknown?]) : [];
        if (isClipPending) {
          // The clip applies to the path that follows it; its bounding box is close enough for rectangles.
          const box = toBox(minMax);
          if (box) state = { ...state, clip: intersect(state.clip, transformBox(state.ctm, box)) };
          isClipPending = false;
        }
        if (!isNumberArray(path) || typeof paintOp !== 'number') break;
        const subpaths = readSubpaths(path, state.ctm);
        if (fills.has(paintOp) && !state.isFillInvisible) {
          for (const points of subpaths) pushFilledRule(segments, points, state.clip);
        }
        if (strokes.has(paintOp) && !state.isStrokeInvisible) {
          for (const points of subpaths) pushStrokedRules(segments, points, state.clip);
        }
        break;
      }
    }
  }
  return segments;
}

/** The points of each subpath, in page space; curves keep only their end points (they are never rules). */
function readSubpaths(path: ArrayLike<number>, ctm: Matrix): { points: [number, number][]; isClosed: boolean }[] {
  const subpaths: { points: [number, number][]; isClosed: boolean }[] = [];
  let current: { points: [number, number][]; isClosed: boolean } | undefined;
  for (let k = 0; k < path.length;) {
    const op = path[k++];
    if (op === DRAW_MOVE_TO || op === DRAW_LINE_TO) {
      const point = apply(ctm, path[k] ?? 0, path[k + 1] ?? 0);
      k += 2;
      if (op === DRAW_MOVE_TO || !current) {
        current = { points: [point], isClosed: false };
        subpaths.push(current);
      } else {
        current.points.push(point);
      }
    } else if (op === DRAW_CURVE_TO || op === DRAW_QUADRATIC_CURVE_TO) {
      const length = op === DRAW_CURVE_TO ? 6 : 4;
      // A curve breaks any straight run: start a fresh subpath at its end point.
      current = { points: [apply(ctm, path[k + length - 2] ?? 0, path[k + length - 1] ?? 0)], isClosed: false };
      subpaths.push(current);
      k += length;
    } else if (op === DRAW_CLOSE_PATH) {
      if (current) current.isClosed = true;
    } else {
      break; // an unknown sub-operation: the rest of the buffer cannot be read
    }
  }
  return subpaths;
}

/** A filled subpath whose bounding box is thin in one direction is a rule along the other, at its middle. */
function pushFilledRule(segments: Segment[], { points }: { points: [number, number][] }, clip: Box | null): void {
  if (points.length < 2) return;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of points) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const [width, height] = [x1 - x0, y1 - y0];
  if (height <= MAX_RULE_WIDTH && width >= Math.max(MIN_PIECE_LENGTH, 2 * height)) {
    const y = (y0 + y1) / 2;
    pushClipped(segments, { x0, y0: y, x1, y1: y }, clip);
  } else if (width <= MAX_RULE_WIDTH && height >= Math.max(MIN_PIECE_LENGTH, 2 * width)) {
    const x = (x0 + x1) / 2;
    pushClipped(segments, { x0: x, y0, x1: x, y1 }, clip);
  }
}

/** Each straight, axis-aligned piece of a stroked subpath is a rule. */
function pushStrokedRules(
  segments: Segment[],
  { points, isClosed }: { points: [number, number][]; isClosed: boolean },
  clip: Box | null,
): void {
  const first = points[0];
  const ends = isClosed && first ? [...points, first] : points;
  for (let k = 1; k < ends.length; k++) {
    const [ax, ay] = ends[k - 1] as [number, number];
    const [bx, by] = ends[k] as [number, number];
    const [x0, x1, y0, y1] = [Math.min(ax, bx), Math.max(ax, bx), Math.min(ay, by), Math.max(ay, by)];
    if (y1 - y0 <= 0.5 && x1 - x0 >= MIN_PIECE_LENGTH) {
      pushClipped(segments, { x0, y0: (y0 + y1) / 2, x1, y1: (y0 + y1) / 2 }, clip);
    } else if (x1 - x0 <= 0.5 && y1 - y0 >= MIN_PIECE_LENGTH) {
      pushClipped(segments, { x0: (x0 + x1) / 2, y0, x1: (x0 + x1) / 2, y1 }, clip);
    }
  }
}

function pushClipped(segments: Segment[], segment: Segment, clip: Box | null): void {
  if (!clip) {
    segments.push(segment);
    return;
  }
  // Half a point of slack: a border drawn along the clip's own edge stays.
  const x0 = Math.max(segment.x0, clip.x0 - 0.5);
  const x1 = Math.min(segment.x1, clip.x1 + 0.5);
  const y0 = Math.max(segment.y0, clip.y0 - 0.5);
  const y1 = Math.min(segment.y1, clip.y1 + 0.5);
  if (x0 > x1 || y0 > y1 || Math.max(x1 - x0, y1 - y0) < MIN_PIECE_LENGTH) return;
  segments.push({ x0, y0, x1, y1 });
}

function isWhite(args: unknown): boolean {
  const hex = Array.isArray(args) ? (args as unknown[])[0] : undefined;
  return typeof hex === 'string' && /^#(?:f[0-9a-f]){3}$/i.test(hex);
}

function isNumberArray(value: unknown): value is ArrayLike<number> {
  return value instanceof Float32Array || (Array.isArray(value) && value.every((v) => typeof v === 'number'));
}

function toMatrix(value: unknown): Matrix | null {
  if (!isNumberArray(value) || value.length < 6) return null;
  const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = Array.from(value);
  return [a, b, c, d, e, f];
}

function toBox(value: unknown): Box | null {
  if (!isNumberArray(value) || value.length < 4) return null;
  const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = Array.from(value);
  if (![x0, y0, x1, y1].every(Number.isFinite)) return null;
  return { x0: Math.min(x0, x1), y0: Math.min(y0, y1), x1: Math.max(x0, x1), y1: Math.max(y0, y1) };
}

/** The matrix that applies `inner` first, then `outer` (PDF's `cm` concatenation). */
function multiply(outer: Matrix, inner: Matrix): Matrix {
  const [a, b, c, d, e, f] = outer;
  const [p, q, r, s, t, u] = inner;
  return [a * p + c * q, b * p + d * q, a * r + c * s, b * r + d * s, a * t + c * u + e, b * t + d * u + f];
}

function apply([a, b, c, d, e, f]: Matrix, x: number, y: number): [number, number] {
  return [a * x + c * y + e, b * x + d * y + f];
}

function transformBox(ctm: Matrix, box: Box): Box {
  const corners = [
    apply(ctm, box.x0, box.y0),
    apply(ctm, box.x1, box.y0),
    apply(ctm, box.x0, box.y1),
    apply(ctm, box.x1, box.y1),
  ];
  const xs = corners.map(([x]) => x);
  const ys = corners.map(([, y]) => y);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

function intersect(clip: Box | null, box: Box): Box {
  if (!clip) return box;
  return {
    x0: Math.max(clip.x0, box.x0),
    y0: Math.max(clip.y0, box.y0),
    x1: Math.min(clip.x1, box.x1),
    y1: Math.min(clip.y1, box.y1),
  };
}

/**
 * The plan's tree as written: each numbered line opens a node; a style seen before returns to its level, a
 * new style nests under the current node unless custom (GB/T 9704) ranks it higher. Markers out of sequence
 * (an inline "2." that a hard wrap put at a line start) stay body text.
 */
import type { ParseWarning } from '../../domain/plan-draft.ts';
import type { Line } from './lines.ts';
import { readMarker, STYLE_RANK, type Marker } from './markers.ts';

export interface PlanNode {
  marker: Marker | null;
  /** The line that opens the node (null for the root). */
  line: Line | null;
  /** Lines after the opening line, up to the first child or the next node. */
  body: Line[];
  children: PlanNode[];
  parent: PlanNode | null;
}

const ANNEX = /^附件\s*\d*\s*(?:[:：].{0,60})?$/;
const BOX = /^专栏\s*\d*/;

/** Builds the tree of numbered nodes from logical lines. */
export function buildTree(lines: Line[], warnings: ParseWarning[]): PlanNode {
  const root: PlanNode = { marker: null, line: null, body: [], children: [], parent: null };
  const stack: PlanNode[] = [root];
  const lastValue = new Map<string, number>();
  for (const line of lines) {
    const marker = line.cells ? null : readMarker(line.text);
    if (!marker && !line.cells && ANNEX.test(line.text)) {
      // An annex (附件) stands outside the numbered text: what follows hangs from the root again.
      stack.length = 1;
    } else if (!marker && !line.cells && BOX.test(line.text) && stack.length > 2) {
      // A box (专栏) set after a subsection's text belongs to the section around it.
      const open = stack[stack.length - 1];
      if (open && open.children.length === 0) stack.pop();
    }
    const top = stack[stack.length - 1] ?? root;
    if (!marker || isRunInList(line.text, marker)) {
      top.body.push(line);
      continue;
    }
    const level = stack.findIndex((n) => n.marker?.style === marker.style);
    if (level > 0) {
      const current = stack[level]?.marker?.value ?? 0;
      if (marker.value < current && marker.value !== 1) {
        top.body.push(line);
        continue;
      }
      if (marker.value === current) {
        warnings.push({ code: 'numbering-duplicate', message: `编号 ${marker.raw} 重复出现`, at: line.start });
      } else if (marker.value > current + 1) {
        warnings.push({ code: 'numbering-gap', message: `编号 ${marker.raw} 前有缺号`, at: line.start });
      }
      stack.length = level;
    } else {
      const previous = lastValue.get(marker.style);
      if (marker.value !== 1 && previous !== undefined && marker.value !== previous + 1) {
        // Neither a new list nor numbering that runs straight through the sections: not a heading.
        if (marker.value <= previous) {
          top.body.push(line);
          continue;
        }
        warnings.push({ code: 'numbering-gap', message: `编号 ${marker.raw} 前有缺号`, at: line.start });
      }
      const rank = STYLE_RANK[marker.style];
      while (stack.length > 1) {
        const open = stack[stack.length - 1]?.marker;
        if (open && STYLE_RANK[open.style] >= rank) stack.pop();
        else break;
      }
    }
    const parent = stack[stack.length - 1] ?? root;
    const node: PlanNode = { marker, line, body: [], children: [], parent };
    parent.children.push(node);
    stack.push(node);
    lastValue.set(marker.style, marker.value);
  }
  return root;
}

/**
 * "1.开展…；2.推行…；3.建设…": a list run into a paragraph, which a wrap set at a line start. Real sub-items
 * stand on lines of their own, so the next number on the same line gives the run-in list away.
 */
function isRunInList(text: string, marker: Marker): boolean {
  const next = marker.value + 1;
  const pattern =
    marker.style === 'ar-dot'
      ? `${next}[.．、]`
      : marker.style === 'ar-paren'
        ? `[（(]${next}[）)]`
        : marker.style === 'circled'
          ? String.fromCharCode(0x2460 + marker.value)
          : null;
  if (pattern === null) return false;
  let test = runInPatterns.get(pattern);
  if (!test) {
    test = new RegExp(`[；;，,。]\\s*${pattern}`);
    runInPatterns.set(pattern, test);
  }
  return test.test(text.slice(marker.length));
}

const runInPatterns = new Map<string, RegExp>();

/** The input offset where a node's text ends, its descendants included. */
export function nodeEnd(node: PlanNode): number {
  let end = node.line?.end ?? 0;
  for (const line of node.body) end = Math.max(end, line.end);
  const last = node.children[node.children.length - 1];
  return last ? Math.max(end, nodeEnd(last)) : end;
}

/**
 * Task tables flattened one cell per line, as a Word table copied into a web page or a text file comes out:
 * a run of header cells (序号 / 任务类型 / 工作任务 / 推进单位 …), then each row as its cells, one line each, the
 * row's number (1, 2, 3 …) on a line of its own. Columns are recognised by meaning, not by one spelling; merged
 * cells are written once, on the first row of their run, and hold for the rows below.
 */
import type { Line } from './lines.ts';
import { readMarker } from './markers.ts';
import { splitUnitList } from './units.ts';

type ColumnKind = 'number' | 'kind' | 'task' | 'lead' | 'support' | 'due' | 'other';

/** One row of a flattened table, its cells read by meaning. */
export interface FlatRow {
  number: string;
  /** A short-name cell (任务类型, 任务名称): a row's title when every row has one, else a heading above rows. */
  kind: string | null;
  task: string;
  lead: string[];
  support: string[];
  due: string | null;
  /** Grouping rows above it (行动一：…), outermost first. */
  groups: string[];
  /** True when its unit cell was empty: a merged cell written on a row above. */
  unitsMerged: boolean;
  start: number;
  end: number;
}

export interface FlatTable {
  /** True when the unit columns are 责任单位-like (lead when alone) rather than 牵头. */
  responsibleOnly: boolean;
  /** True when every row carries its own short-name cell, so that it names the row. */
  kindIsTitle: boolean;
  rows: FlatRow[];
  /** Indexes of the lines the table took (header and rows). */
  lines: Set<number>;
}

const HEADER_CELL = /^[^。，；：:,;]{1,14}$/;
const UNIT_END =
  /(?:委|局|办|部|院|厅|中心|公司|集团|镇|乡|街道|办事处|政府|会|所|站|队|处|室|馆|行|社|区|县|市|省|组|校|署|团|司|班|委员会|管委会|单位|部门|机构|企业|园区|[）)])$/;
const DUE_CELL =
  /^(?:(?:19|20)\d{2}\s*年.{0,12}|\d{1,2}\s*月.{0,8}|年底前?|年内|长期|持续推进|常态化.{0,4}|每年.{0,6})$/;
const REFERENCE = /^[《（(]|〔\d{4}〕|号[）)]$/;

function columnKind(name: string): ColumnKind | null {
  if (/^(?:序号|编号|序)$/.test(name)) return 'number';
  if (/配合|协同|参与|协办|协助|支撑/.test(name)) return 'support';
  if (/牵头|责任|推进单位|实施单位|承办|落实单位|主体|指导部门|主管|街镇|(?:单位|部门)$/.test(name) && name !== '单位')
    return 'lead';
  if (/时限|时间|期限|节点/.test(name)) return 'due';
  if (/类型|类别|分类|名称|领域|板块/.test(name)) return 'kind';
  if (/内容|任务|事项|举措|措施|工作/.test(name)) return 'task';
  if (/参考|依据|文件|备注|说明|标准|扣分|分值|计划/.test(name)) return 'other';
  return null;
}

interface Header {
  columns: ColumnKind[];
  names: Set<string>;
  end: number;
}

/** A run of header cells at `i` that names a number, a task and a unit column; null otherwise. */
function headerAt(lines: Line[], i: number): Header | null {
  const columns: ColumnKind[] = [];
  const names = new Set<string>();
  let j = i;
  for (; j < lines.length && columns.length < 8; j++) {
    const line = lines[j];
    if (!line || line.cells || !HEADER_CELL.test(line.text)) break;
    const kind = columnKind(line.text);
    if (!kind) break;
    columns.push(kind);
    names.add(line.text);
  }
  // Two task-like columns (事项 | 工作措施): the first names the work, the last states it.
  const lastTask = columns.lastIndexOf('task');
  columns.forEach((c, k) => {
    if (c === 'task' && k !== lastTask) columns[k] = 'kind';
  });
  const has = (k: ColumnKind) => columns.includes(k);
  if (columns[0] === undefined || !has('number') || !has('task') || !has('lead') || columns.length < 3) return null;
  if (columns.filter((c) => c === 'number').length > 1) return null;
  return { columns, names, end: j };
}

const isUnitItem = (name: string): boolean =>
  name.length >= 2 && name.length <= 30 && !/[。：:；;]/.test(name) && (UNIT_END.test(name) || /^各/.test(name));

/** A cell that names units only ("区建设管理委、区水务局、", "各街镇（园区）"). */
function isUnitLine(text: string): boolean {
  if (text.length > 120 || /[。；]/.test(text)) return false;
  const items = splitUnitList(text.replace(/等(?:相关|有关)?(?:部门|单位)?[，,、]?$/, ''));
  return items.length > 0 && items.every(isUnitItem);
}

/** A grouping row: 行动一：…, 一、…, （一）…, a worded or Chinese-numbered heading. */
function isGroupLine(text: string): boolean {
  const marker = readMarker(text);
  return marker !== null && ['word-group', 'cn-dun', 'cn-paren', 'chapter'].includes(marker.style);
}

const isShort = (text: string): boolean => text.length <= 12 && !/[。，；：:,;]/.test(text);

/** Finds the flattened task tables among the lines. */
export function findFlatTables(lines: Line[]): FlatTable[] {
  const tables: FlatTable[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line || line.text.length > 4 || !/^(?:序号|编号|序)$/.test(line.text)) continue;
    // The header may open with columns before 序号 (任务类型 | 序号 | …): look back a few lines.
    // Short-name columns may stand before 序号 (类别 | 序号 | …); a caption above (重点任务清单) is not a column.
    let start = i;
    while (start > 0 && i - start < 3) {
      const above = lines[start - 1];
      if (!above || above.cells || !HEADER_CELL.test(above.text) || columnKind(above.text) !== 'kind') break;
      start--;
    }
    const header = headerAt(lines, start);
    if (!header) continue;
    const table = readRows(lines, header, i - header.columns.indexOf('number'));
    if (table.rows.length >= 2) {
      tables.push(table);
      i = Math.max(i, ...table.lines);
    }
  }
  return tables;
}

function readRows(lines: Line[], header: Header, headerStart: number): FlatTable {
  const { columns } = header;
  const numberAt = columns.indexOf('number');
  const taken = new Set<number>();
  for (let k = headerStart; k < header.end; k++) taken.add(k);
  const kindBefore = columns.slice(0, numberAt).includes('kind');
  const kindAfter = columns.slice(numberAt + 1).includes('kind');
  const unitColumns = columns.filter((c) => c === 'lead' || c === 'support');
  const rows: FlatRow[] = [];
  let groups: string[] = [];
  let pendingKind: string | null = null;
  let expected = 1;
  let i = header.end;
  // Lines before the first row: grouping rows and a first row's cells before its number.
  const preamble: Line[] = [];
  while (i < lines.length && lines[i]?.text !== '1' && preamble.length < 4) preamble.push(lines[i++] as Line);
  if (lines[i]?.text !== '1') return { responsibleOnly: true, kindIsTitle: false, rows: [], lines: new Set() };
  for (const [k, p] of preamble.entries()) {
    taken.add(header.end + k);
    // A row across the whole table above the first number groups the rows (推进实施…示范工程).
    if (kindBefore && isShort(p.text) && !isGroupLine(p.text)) pendingKind = p.text;
    else groups = [p.text];
  }
  while (i < lines.length && lines[i]?.text === String(expected)) {
    const numberLine = lines[i] as Line;
    taken.add(i);
    const cells: { line: Line; index: number }[] = [];
    let j = i + 1;
    for (; j < lines.length && j - i <= 24; j++) {
      const l = lines[j] as Line;
      if (l.text === String(expected + 1) || l.cells) break;
      // Stop at the text after the table: an annex, or a numbered heading of the body that is not a group row.
      if (/^附件/.test(l.text) || (readMarker(l.text) && !isGroupLine(l.text))) break;
      cells.push({ line: l, index: j });
    }
    const last = lines[j]?.text !== String(expected + 1);
    const row: FlatRow = {
      number: numberLine.text,
      kind: kindBefore ? pendingKind : null,
      task: '',
      lead: [],
      support: [],
      due: null,
      groups,
      unitsMerged: false,
      start: numberLine.start,
      end: numberLine.end,
    };
    pendingKind = null;
    const kindLines: string[] = [];
    let taskDone = false;
    let unitCell = 0;
    let unitText = '';
    const flushUnits = () => {
      if (unitText === '') return;
      const names = splitUnitList(unitText.replace(/等(?:相关|有关)?(?:部门|单位)?[，,、]?$/, ''));
      if (unitColumns[unitCell] === 'support') row.support.push(...names);
      else row.lead.push(...names);
      unitCell++;
      unitText = '';
    };
    let used = 0;
    for (const [n, { line: l }] of cells.entries()) {
      const text = l.text;
      if (header.names.has(text)) {
        used = n + 1; // a header repeated after a page break
        continue;
      }
      if (isGroupLine(text)) {
        flushUnits();
        groups = [text];
        used = n + 1;
        continue;
      }
      if (row.task === '') {
        // Short cells right after the number, before the task text: the short-name column (海绵城市 / 建设管理).
        const next = cells[n + 1]?.line.text ?? '';
        if (kindAfter && isShort(text) && next !== '' && !isUnitLine(next) && !isGroupLine(next)) {
          kindLines.push(text);
        } else row.task = text;
        used = n + 1;
        continue;
      }
      if (DUE_CELL.test(text)) {
        flushUnits();
        row.due = text;
        used = n + 1;
        continue;
      }
      if (REFERENCE.test(text) && unitText === '' && unitCell > 0) {
        used = n + 1;
        continue;
      }
      if (isUnitLine(text) && unitCell < unitColumns.length) {
        taskDone = true;
        // A unit cell wrapped over lines: a line ending in 、 or ， goes on in the next.
        if (unitText !== '' && !/[、，,]$/.test(unitText)) flushUnits();
        unitText += text;
        used = n + 1;
        continue;
      }
      flushUnits();
      // After the task text, a short cell is the next row's cell before its number (its merged short-name cell).
      if (kindBefore && isShort(text) && !last) {
        pendingKind = text;
        used = n + 1;
        continue;
      }
      if (!taskDone && unitCell === 0 && row.due === null) {
        // The task cell wrapped over lines.
        row.task += text;
        used = n + 1;
        continue;
      }
      if (REFERENCE.test(text)) used = n + 1;
      else break;
    }
    flushUnits();
    if (kindLines.length > 0) row.kind = kindLines.join('');
    row.unitsMerged = row.lead.length + row.support.length === 0;
    const lastUsed = cells[used - 1];
    for (const c of cells.slice(0, used)) taken.add(c.index);
    if (lastUsed) row.end = lastUsed.line.end;
    rows.push(row);
    expected++;
    i = j;
    if (last) break;
  }
  // A short-name column that some rows leave empty is merged: a heading over its rows, not each row's title.
  const kindIsTitle = kindAfter && rows.every((r) => r.kind !== null);
  return {
    responsibleOnly: !columns.some((c, k) => c === 'lead' && /牵头|主责/.test([...header.names][k] ?? '')),
    kindIsTitle,
    rows,
    lines: taken,
  };
}

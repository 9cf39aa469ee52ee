/**
 * Tables kept as text (Markdown pipes or tab-separated columns): a task breakdown table (序号 / 任务 / 牵头单位 /
 * 配合单位 / 完成时限) gives one task per row; an indicator table (指标名称 / 单位 / 2020年 / 2025年) gives one
 * goal target per row.
 */
import type { Comparator, Target } from '../../domain/plan-draft.ts';
import type { Line } from './lines.ts';

export interface Table {
  header: string[];
  rows: Line[];
  /** The caption or 专栏 title written just above the table, when there is one. */
  caption: string | null;
  start: number;
}

/** Groups consecutive table rows of a node's body into tables; the first row is the header. */
export function tablesIn(body: Line[]): Table[] {
  const tables: Table[] = [];
  let current: Table | null = null;
  body.forEach((line, i) => {
    if (!line.cells) {
      current = null;
      return;
    }
    if (current) {
      const previous = current.rows[current.rows.length - 1];
      const width = current.header.length;
      if (previous?.cells && previous.cells.length < width && previous.cells.length + line.cells.length - 1 === width) {
        // A row that a page break cut in two: the cut cell continues on the next line.
        current.rows[current.rows.length - 1] = joinRows(previous, line);
      } else {
        current.rows.push(line);
      }
      return;
    }
    const above = body[i - 1];
    const caption = above && !above.cells && /^(?:专栏|表)\s*\d*/.test(above.text) ? above.text : null;
    current = { header: line.cells, rows: [], caption, start: line.start };
    tables.push(current);
  });
  return tables;
}

function joinRows(first: Line, rest: Line): Line {
  const a = first.cells ?? [];
  const b = rest.cells ?? [];
  const cells = [...a.slice(0, -1), `${a[a.length - 1] ?? ''}${b[0] ?? ''}`, ...b.slice(1)];
  return { ...first, cells, text: cells.join(' '), end: rest.end };
}

const column = (header: string[], pattern: RegExp): number => header.findIndex((h) => pattern.test(h));

export interface TaskColumns {
  number: number;
  task: number;
  lead: number;
  support: number;
  due: number;
  /** True when the lead column is a 责任单位 column (lead when alone, first-listed may apply). */
  responsibleOnly: boolean;
}

/** The columns of a task table, or null when the header is not one. */
export function taskColumns(header: string[]): TaskColumns | null {
  const task = column(header, /任务|工作内容|事项|举措|措施|项目名称|主要内容|工作重点|具体内容/);
  const lead = column(header, /牵头|责任单位|责任部门|责任主体|实施主体|建设主体|主责/);
  if (task < 0 || lead < 0 || task === lead) return null;
  return {
    number: column(header, /^(?:序号|编号|序|No\.?)$/),
    task,
    lead,
    support: column(header, /配合|协同|参与|协办|协助/),
    due: column(header, /时限|时间|期限|节点/),
    responsibleOnly: !/牵头|主责/.test(header[lead] ?? ''),
  };
}

interface IndicatorColumns {
  name: number;
  unit: number;
  target: number;
  targetYear: string | null;
  baseline: number;
  baselineYear: number | null;
}

function indicatorColumns(header: string[]): IndicatorColumns | null {
  const name = column(header, /指标/);
  if (name < 0) return null;
  const years = header
    .map((h, i) => ({ i, year: /((?:19|20)\d{2})/.exec(h)?.[1] ?? null }))
    .filter((c): c is { i: number; year: string } => c.year !== null);
  const explicitTarget = column(header, /目标/);
  const target = explicitTarget >= 0 ? explicitTarget : (years[years.length - 1]?.i ?? -1);
  if (target < 0 || target === name) return null;
  const targetYear = /((?:19|20)\d{2})/.exec(header[target] ?? '')?.[1] ?? null;
  const base = years.find((y) => y.i !== target && (targetYear === null || y.year < targetYear));
  const baseline = base?.i ?? column(header, /基期|基数|现状|基准/);
  return {
    name,
    unit: column(header, /单位/),
    target,
    targetYear,
    baseline,
    baselineYear: base ? Number(base.year) : null,
  };
}

const VALUE =
  /^(≥|≤|>|<|＞|＜|不低于|不少于|不超过|不高于|约)?\s*(\d+(?:\.\d+)?)(?:\s*[-—–~～至]\s*(\d+(?:\.\d+)?))?\s*([^\d\s]*)$/;

function readCell(
  cell: string,
): { value: number | [number, number]; unit: string; comparator: Comparator | null } | null {
  const m = VALUE.exec(cell.replace(/\s+/g, ''));
  if (!m) return null;
  const low = Number(m[2]);
  const value: number | [number, number] = m[3] ? [low, Number(m[3])] : low;
  let unit = m[4] ?? '';
  let comparator: Comparator | null = m[3] ? 'range' : null;
  const sign = m[1] ?? '';
  if (/以上/.test(unit)) comparator = '>=';
  if (/以内|以下/.test(unit)) comparator = '<=';
  if (/左右/.test(unit)) comparator = '=';
  unit = unit.replace(/(?:及)?以上|以内|以下|左右/g, '');
  if (/≥|不低于|不少于/.test(sign)) comparator = '>=';
  else if (/≤|不超过|不高于/.test(sign)) comparator = '<=';
  else if (/[<＜]/.test(sign)) comparator = '<=';
  else if (/[>＞]/.test(sign)) comparator = '>';
  else if (sign === '约') comparator = '=';
  return { value, unit, comparator };
}

/** The targets of an indicator table (主要指标), or null when the table is not one. */
export function indicatorTargets(table: Table): Target[] | null {
  const columns = indicatorColumns(table.header);
  if (!columns) return null;
  const targets: Target[] = [];
  for (const row of table.rows) {
    const cells = row.cells ?? [];
    const name = cells[columns.name] ?? '';
    const value = readCell(cells[columns.target] ?? '');
    if (name === '' || !value) continue;
    const nameUnit = /[（(]([^（）()]+)[）)]$/.exec(name)?.[1] ?? '';
    const unit = (columns.unit >= 0 ? cells[columns.unit] : '') || value.unit || nameUnit;
    const target: Target = {
      text: name,
      value: value.value,
      unit: unit.trim(),
      comparator: value.comparator ?? '>=',
      deadline: columns.targetYear,
    };
    const base = columns.baseline >= 0 ? readCell(cells[columns.baseline] ?? '') : null;
    if (base && typeof base.value === 'number') target.baseline = { value: base.value, year: columns.baselineYear };
    targets.push(target);
  }
  return targets;
}

/**
 * parsePlan: plan text in, PlanDraft out. Pure and synchronous, so it can be scored, fuzzed and benchmarked
 * alone. Steps: metadata → logical lines → tree of numbered nodes → tasks (nodes that carry units, or inherit
 * them) with their units and targets → goals (targets outside any task).
 */
import type { GoalDraft, ParseWarning, PlanDraft, TaskDraft, Target } from '../../domain/plan-draft.ts';
import { stripLinePrefix, toLines, type Line } from './lines.ts';
import { readMetadata } from './metadata.ts';
import { buildTree, nodeEnd, type PlanNode } from './structure.ts';
import { findFlatTables, type FlatTable } from './flat-tables.ts';
import { indicatorTargets, tablesIn, taskColumns, type Table } from './tables.ts';
import { findTargets, type FoundTarget } from './targets.ts';
import {
  FIRST_LISTED_NOTE,
  findUnitClauses,
  readLabelLine,
  readUnitClause,
  resolveUnits,
  splitUnitList,
  type ResolvedUnits,
  type UnitClause,
} from './units.ts';
import { markUnitGroups } from './unit-groups.ts';
import { bracketGroups } from './text.ts';

const TAIL = /^(?:抄送|主题词|关键词)[:：]?|^.{0,30}(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印发$/;
const GOAL_SECTION = /目标|主要指标/;
const NOT_TASK_SECTION = /总体要求|指导思想|基本原则|工作原则|目标|保障|组织实施|工作要求|附则|背景|现状|形势|意义/;
const FRAMING_END = /(?:要求|指导思想|原则|目标|保障措施|组织保障|工作保障|组织实施|附则|背景|现状|形势|意义)$/;
// 职责分工 (headings that are unit names, over standing duties) and 管控流程 (the steps of a procedure) frame the
// work as well: their items are not tasks unless they carry a unit clause.
const DUTIES_OR_PROCEDURE = /(?:职责分工|工作职责|部门职责|各方职责|管控流程|管理流程|工作流程)$/;

/**
 * A framing section's heading (保障措施, 总体要求, 组织保障): short, or ending in the framing word. A task that
 * only mentions one of the words ("加强全市旧住房改造规划资源保障工作的力度") is not one.
 */
function isFramingTitle(title: string): boolean {
  if (DUTIES_OR_PROCEDURE.test(title)) return true;
  return NOT_TASK_SECTION.test(title) && (title.length <= 8 || FRAMING_END.test(title));
}
const BULLET = /^(?:——|—|●|■|◆|•|·)/;
const DUE_ONLY = /^(?:\d{4}\s*年|\d{1,2}\s*月|年底|年末|年内|月底|全年|长期|持续|常态化|每年).{0,14}$/;

interface Context {
  path: string[];
  inherited: ResolvedUnits | null;
}

class PlanParser {
  readonly warnings: ParseWarning[] = [];
  readonly tasks: TaskDraft[] = [];
  readonly goals: GoalDraft[] = [];
  readonly firstListedAt: number;

  /** `planYear`: the year of a yearly plan (2024年工作要点), which "全年" and "年底前" refer to. */
  constructor(
    lines: Line[],
    private readonly planYear: string | null,
  ) {
    this.firstListedAt = findFirstListedNote(lines);
  }

  /** Whether the first-listed-leads note holds at a point of the text (it holds from where it is written on). */
  firstListedAtLine(line: Line): boolean {
    return this.firstListedAt >= 0 && this.firstListedAt <= line.end;
  }

  units(clauses: UnitClause[], lines: Line[]): ResolvedUnits {
    return resolveUnits(
      clauses,
      lines.some((l) => this.firstListedAtLine(l)),
    );
  }

  visit(node: PlanNode, ctx: Context): void {
    const heading = node.line ? headingText(node) : '';
    const prose = node.body.filter((l) => !l.cells);
    const headClauses = findUnitClauses(heading);
    const paragraphs = paragraphsOf(prose);
    const tables = tablesIn(node.body);
    const path = node.line ? [...ctx.path, label(node)] : ctx.path;

    const unitParagraphs = paragraphs.filter((p) => p.clauses.length > 0);
    const paragraphTasks = node.children.length === 0 && headClauses.length === 0 && unitParagraphs.length >= 2;
    const ownClauses = paragraphTasks ? headClauses : [...headClauses, ...paragraphs.flatMap((p) => p.clauses)];
    const ownLines = node.line ? [node.line, ...prose] : prose;
    const own = this.units(ownClauses, ownLines);
    const hasOwn = own.lead.length + own.support.length > 0;
    const inherited = hasOwn ? own : ctx.inherited;

    const taskTables = tables.filter((t) => taskColumns(t.header));
    for (const table of taskTables) this.tableTasks(table, path, inherited);
    for (const table of tables) {
      if (taskTables.includes(table)) continue;
      const targets = indicatorTargets(table);
      if (targets && targets.length > 0) this.goals.push({ title: tableTitle(table, node), targets });
    }

    if (paragraphTasks) {
      for (const p of unitParagraphs) this.paragraphTask(p, path);
      return;
    }
    if (node.children.length > 0 || taskTables.length > 0 || !node.line) {
      this.untaskedTargets(node, heading, prose);
      const leaves: PlanNode[] = [];
      let siblingTasks = 0;
      for (const child of node.children) {
        const count = this.tasks.length;
        this.visit(child, { path, inherited });
        if (child.children.length > 0) continue;
        if (this.tasks.length === count) leaves.push(child);
        else if (this.tasks[count]?.source.start === child.line?.start) siblingTasks++;
      }
      // A leaf without units among sibling tasks is a task whose units the plan left out.
      if (siblingTasks > 0 && node.line) for (const leaf of leaves) this.nodeTask(leaf, path, null);
      return;
    }
    if (hasOwn) this.nodeTask(node, ctx.path, own);
    else if (ctx.inherited) this.nodeTask(node, ctx.path, ctx.inherited, true);
    else this.untaskedTargets(node, heading, prose);
  }

  nodeTask(node: PlanNode, path: string[], units: ResolvedUnits | null, inherited = false): void {
    const line = node.line;
    if (!line || !node.marker) return;
    const heading = headingText(node);
    const prose = node.body.filter((l) => !l.cells);
    const text = [withoutClauses(heading), ...prose.map((l) => withoutClauses(l.text))].join('\n');
    const due = units?.due ?? dueBracket([heading, ...prose.map((l) => l.text)]);
    const task: TaskDraft = {
      number: node.marker.raw,
      path,
      title: nodeTitle(node),
      units: { lead: units?.lead ?? [], support: units?.support ?? [] },
      // A target whose sentence names no year falls due with its task ("（2024年6月底前完成）").
      targets: this.targets(text, line.start, due ? this.yearOfDue(due) : null),
      source: { start: line.start, end: nodeEnd(node) },
    };
    if (due) task.due = due;
    if (inherited) {
      task.unitsInherited = true;
      this.warn('units-inherited', `任务 ${task.number}${task.title} 未写责任单位，沿用上级标题的单位`, line.start);
    }
    if (!units) this.warn('task-without-units', `任务 ${task.number}${task.title} 未写责任单位`, line.start);
    this.tasks.push(task);
  }

  paragraphTask(p: Paragraph, path: string[]): void {
    const first = p.lines[0];
    const last = p.lines[p.lines.length - 1];
    if (!first || !last) return;
    const units = this.units(p.clauses, p.lines);
    const text = p.lines.map((l) => withoutClauses(l.text)).join('\n');
    this.tasks.push({
      number: '',
      path,
      title: titleOf(first.text, first.bold),
      units: { lead: units.lead, support: units.support },
      targets: this.targets(text, first.start),
      source: { start: first.start, end: last.end },
      ...(units.due ? { due: units.due } : {}),
    });
  }

  tableTasks(table: Table, path: string[], inherited: ResolvedUnits | null): void {
    const columns = taskColumns(table.header);
    if (!columns) return;
    let above: { units: ResolvedUnits; due: string } | null = null;
    let rowPath = path;
    for (const row of table.rows) {
      const cells = row.cells ?? [];
      const cell = (i: number) => (i >= 0 ? (cells[i] ?? '').trim() : '');
      const taskText = cell(columns.task);
      if (taskText === '') continue;
      const number = cell(columns.number);
      const unitCells = [columns.lead, columns.support, columns.due].filter((i) => i >= 0).map(cell);
      // A category row (一 | 产业发展 | | |) groups the rows below it; it is not a task.
      const isCategory =
        unitCells.every((c) => c === '') &&
        (/^[一二三四五六七八九十]+[、.]?$/.test(number) ||
          (number === '' && taskText.length <= 20 && !/[。；，]/.test(taskText)));
      if (isCategory) {
        // The rows below sit under the category, as tasks sit under a heading.
        rowPath = [...path, `${number}${taskText}`];
        continue;
      }
      const special = new Set([columns.number, columns.lead, columns.support, columns.due]);
      const descriptive = cells.filter((_, i) => !special.has(i) && i >= columns.task);
      const clauses: UnitClause[] = [];
      const leadCell = cell(columns.lead);
      const inline = readUnitClause(leadCell, 0, leadCell.length);
      if (inline) clauses.push(inline);
      else {
        const names = splitUnitList(leadCell);
        const role = columns.responsibleOnly ? 'responsible' : 'lead';
        clauses.push({ ...emptyClause(), [role]: names });
      }
      clauses.push({ ...emptyClause(), support: splitUnitList(cell(columns.support)) });
      clauses.push(...findUnitClauses(taskText));
      let resolved = this.units(clauses, [row]);
      // An empty unit cell under a filled one: a cell merged down the rows (Word's vertical merge).
      const merged = leadCell === '' && above !== null && resolved.lead.length === 0;
      if (merged && above) resolved = above.units;
      const hasUnits = resolved.lead.length + resolved.support.length > 0;
      const units = hasUnits ? resolved : inherited;
      if (hasUnits && !merged) above = { units: resolved, due: cell(columns.due) };
      const task: TaskDraft = {
        number,
        path: rowPath,
        title: titleOf(taskText, null),
        units: { lead: units?.lead ?? [], support: units?.support ?? [] },
        targets: this.targets(descriptive.map(withoutClauses).join('\n'), row.start, this.yearOfDue(cell(columns.due))),
        source: { start: row.start, end: row.end },
      };
      const due = cell(columns.due) || (merged ? above?.due : resolved.due);
      if (due) task.due = due;
      if (!units) this.warn('task-without-units', `任务 ${task.number}${task.title} 未写责任单位`, row.start);
      this.tasks.push(task);
    }
  }

  /** The rows of a task table flattened one cell per line: merged unit and short-name cells hold down their run. */
  flatTableTasks(table: FlatTable): void {
    let above: ResolvedUnits | null = null;
    let kind: string | null = null;
    let groups: string[] = [];
    for (const row of table.rows) {
      if (row.groups.join() !== groups.join()) kind = null;
      groups = row.groups;
      kind = row.kind ?? kind;
      const role = table.responsibleOnly ? 'responsible' : 'lead';
      const clauses: UnitClause[] = [{ ...emptyClause(), [role]: row.lead, support: row.support }];
      const units: ResolvedUnits | null = row.unitsMerged
        ? above
        : resolveUnits(clauses, this.firstListedAt >= 0 && this.firstListedAt <= row.start);
      if (!row.unitsMerged) above = units;
      // A table's task cell is its title up to the first 。, whole when it has none (a colon inside it stays).
      const title = table.kindIsTitle && row.kind ? row.kind : cellTitle(row.task);
      const task: TaskDraft = {
        number: row.number,
        path: [...groups, ...(!table.kindIsTitle && kind ? [kind] : [])],
        title,
        units: { lead: units?.lead ?? [], support: units?.support ?? [] },
        targets: this.targets(withoutClauses(row.task), row.start, row.due ? this.yearOfDue(row.due) : null),
        source: { start: row.start, end: row.end },
      };
      if (row.due) task.due = row.due;
      if (!units) this.warn('task-without-units', `任务 ${task.number}${task.title} 未写责任单位`, row.start);
      this.tasks.push(task);
    }
  }

  /** Targets written outside any task: goal sections, 专栏 boxes, a heading's own paragraph. */
  untaskedTargets(node: PlanNode, heading: string, prose: Line[]): void {
    const title = node.line ? nodeTitle(node) : '总体目标';
    const inGoals = isGoalSection(node);
    if (!inGoals) {
      // Outside goal sections, only a task section's own lead-in states goals; the preface counts the plan's
      // own parts ("6个方面，26项任务") and the framing sections set rules ("5个工作日内报送").
      if (!node.line || inFramingSection(node)) return;
      const text = [heading, ...prose.map((l) => l.text)].map(withoutClauses).join('\n');
      const targets = this.targets(text, node.line?.start ?? prose[0]?.start ?? 0);
      if (targets.length > 0) this.goals.push({ title, targets });
      return;
    }
    let deadline: string | null = null;
    let current: GoalDraft | null = null;
    const bullets: GoalDraft[] = [];
    const opening: Target[] = this.targets(withoutClauses(heading), node.line?.start ?? 0);
    for (const line of prose) {
      const text = withoutClauses(line.text);
      if (BULLET.test(line.text)) {
        current = { title: titleOf(stripLinePrefix(line.text), line.bold), targets: [] };
        bullets.push(current);
      }
      const targets = this.targets(text, line.start, deadline);
      if (current) current.targets.push(...targets);
      else {
        opening.push(...targets);
        deadline = lastDeadline(text) ?? deadline;
      }
    }
    if (opening.length > 0) this.goals.push({ title, targets: opening });
    this.goals.push(...bullets);
  }

  targets(text: string, at: number, defaultDeadline: string | null = null): Target[] {
    return findTargets(text, { defaultDeadline, planYear: this.planYear }).map((found) => this.keepTarget(found, at));
  }

  /** The year a deadline as written falls in: "2024年6月底前" → 2024; "全年推进" → the plan's year. */
  yearOfDue(due: string): string | null {
    return yearOf(due) ?? (/全年|年底|年内|年末/.test(due) ? this.planYear : null);
  }

  keepTarget({ comparatorGuessed, ...target }: FoundTarget, at: number): Target {
    if (comparatorGuessed) this.warn('target-uncertain', `指标“${target.text}”未写明比较关系，按“不低于”处理`, at);
    return target;
  }

  warn(code: ParseWarning['code'], message: string, at: number): void {
    this.warnings.push({ code, message, at });
  }
}

/**
 * Where the plan says its first-listed units lead (the start of the line that says so), or -1. Read on joined
 * lines, as a wrap may cut the note in two; the rare anchor is looked for before the full pattern.
 */
function findFirstListedNote(lines: Line[]): number {
  for (const line of lines) {
    if (!/[为是](?:牵头|主要责任)单位/.test(line.text) || !FIRST_LISTED_NOTE.test(line.text)) continue;
    // A note under a table (注：…) speaks for what stands above it as well: let it hold everywhere.
    return /^(?:注|备注|说明)/.test(line.text) ? 0 : line.start;
  }
  return -1;
}

function emptyClause(): UnitClause {
  return { lead: [], support: [], responsible: [], secondary: [], due: null, start: 0, end: 0 };
}

function isGoalSection(node: PlanNode): boolean {
  for (let n: PlanNode | null = node; n?.line; n = n.parent) {
    if (GOAL_SECTION.test(nodeTitle(n))) return true;
  }
  return false;
}

function inFramingSection(node: PlanNode): boolean {
  for (let n: PlanNode | null = node; n?.line; n = n.parent) if (isFramingTitle(nodeTitle(n))) return true;
  return false;
}

/** A deadline written in a bracket of its own: （2024年6月底前完成）, （全年推进）. */
function dueBracket(texts: string[]): string | null {
  for (const text of texts) {
    if (!/[（(]/.test(text)) continue;
    for (const group of bracketGroups(text)) if (DUE_ONLY.test(group.content.trim())) return group.content.trim();
  }
  return null;
}

function yearOf(due: string): string | null {
  return /((?:19|20)\d{2})\s*年/.exec(due)?.[1] ?? null;
}

function lastDeadline(text: string): string | null {
  const years = [...text.matchAll(/(?:到|至)\s*((?:19|20)\d{2})\s*年/g)];
  return years[years.length - 1]?.[1] ?? null;
}

interface Paragraph {
  lines: Line[];
  clauses: UnitClause[];
}

/** Body lines as paragraphs; a line that only names units (责任单位：…) belongs to the paragraph before it. */
function paragraphsOf(prose: Line[]): Paragraph[] {
  const out: Paragraph[] = [];
  for (const line of prose) {
    const label = readLabelLine(line.text);
    const previous = out[out.length - 1];
    if (label && previous) {
      previous.lines.push(line);
      previous.clauses.push(label);
      continue;
    }
    out.push({ lines: [line], clauses: label ? [label] : findUnitClauses(line.text) });
  }
  return out;
}

const headings = new WeakMap<PlanNode, string>();

/** A node's opening line without its number marker. */
function headingText(node: PlanNode): string {
  let heading = headings.get(node);
  if (heading === undefined) {
    const text = node.line?.text ?? '';
    heading = text.slice(node.marker ? Math.min(text.length, node.marker.length) : 0).trim();
    headings.set(node, heading);
  }
  return heading;
}

const titles = new WeakMap<PlanNode, string>();

/** A node's title, worked out once: paths and section checks ask for it again and again. */
function nodeTitle(node: PlanNode): string {
  let title = titles.get(node);
  if (title === undefined) {
    title = titleOf(headingText(node), node.line?.bold ?? null);
    titles.set(node, title);
  }
  return title;
}

function label(node: PlanNode): string {
  return `${node.marker?.raw ?? ''}${node.marker?.suffix ?? ''}${nodeTitle(node)}`;
}

/** Where unit clauses and deadline-only brackets stand in a text, in order. */
function clauseSpans(text: string): { start: number; end: number }[] {
  if (!/[（(【]|单位|部门|主体/.test(text)) return [];
  const spans = findUnitClauses(text).map((c) => ({ start: c.start, end: c.end }));
  for (const group of bracketGroups(text)) {
    if (DUE_ONLY.test(group.content.trim())) spans.push(group);
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** Removes unit clauses and deadline-only brackets, so that neither titles nor targets read them. */
function withoutClauses(text: string): string {
  const spans = clauseSpans(text);
  if (spans.length === 0) return text;
  let out = '';
  let pos = 0;
  for (const span of spans) {
    if (span.start < pos) continue;
    out += text.slice(pos, span.start);
    pos = span.end;
  }
  return out + text.slice(pos);
}

/**
 * A task's or heading's title: the bold lead when there is one, else the text up to the first full stop,
 * without unit clauses and trailing punctuation.
 * @example titleOf('建设滨海特色会展区。以综合会展中心项目为核心…', null) // '建设滨海特色会展区'
 */
export function titleOf(text: string, bold: string | null): string {
  let title = upToClause(bold ?? text);
  const stop = title.search(/[。！？]/);
  if (stop >= 0) title = title.slice(0, stop);
  const unitLabel = title.search(/(?:牵头|责任|配合)(?:协调)?(?:单位|部门)[:：]/);
  if (unitLabel > 0) title = title.slice(0, unitLabel);
  // "加快产业发展：推进…" — a heading run into its text with a colon.
  const colon = title.search(/[：:]/);
  if (colon >= 4 && colon <= 30 && title.length - colon > 8) title = title.slice(0, colon);
  return title.replace(/[。；，、：:;,.！？\s]+$/, '').trim();
}

function cellTitle(text: string): string {
  const stop = text.search(/[。！？]/);
  return (stop < 0 ? text : text.slice(0, stop)).replace(/[。；，、：:;,.！？\s]+$/, '').trim();
}

/**
 * The text before the first unit or deadline bracket, as a title must be one run of the written text: in
 * "推进甲（牵头单位：A）加快乙", the title ends at the bracket. Brackets that open the text are passed over.
 */
function upToClause(text: string): string {
  let from = 0;
  for (const span of clauseSpans(text)) {
    if (text.slice(from, span.start).trim() !== '') return text.slice(from, span.start);
    from = Math.max(from, span.end);
  }
  return text.slice(from);
}

function tableTitle(table: Table, node: PlanNode): string {
  if (table.caption) {
    const caption = table.caption.replace(/^(?:专栏|表)\s*\d*\s*[:：.．、]?\s*/, '').trim();
    if (caption !== '') return caption;
  }
  return node.line ? nodeTitle(node) : '主要指标';
}

function cutTail(lines: Line[]): Line[] {
  const tail = lines.findIndex((l) => !l.cells && /抄送|主题词|关键词|印发/.test(l.text) && TAIL.test(l.text));
  return tail < 0 ? lines : lines.slice(0, tail);
}

/** When no node carries units, the numbered leaves outside the framing sections are the tasks. */
function leavesWithoutUnits(root: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const walk = (node: PlanNode, framing: boolean) => {
    const here = framing || (node.line !== null && isFramingTitle(nodeTitle(node)));
    if (node.children.length === 0 && node.line && !here) out.push(node);
    for (const child of node.children) walk(child, here);
  };
  walk(root, false);
  return out;
}

/**
 * Parses the text of a plan.
 * @example parsePlan(text).tasks[0] // { number: '（1）', title: '建设滨海特色会展区', units: { lead: […] }, … }
 */
export function parsePlan(text: string): PlanDraft {
  const meta = readMetadata(text);
  const allLines = cutTail(toLines(text).filter((l) => l.start >= meta.bodyStart));
  const parser = new PlanParser(allLines, planYearOf(meta.title));
  // Tables flattened one cell per line are read apart: their cells would otherwise pass for headings and text.
  const flatTables = allLines.some((l) => l.flat) ? findFlatTables(allLines) : [];
  const taken = new Set(flatTables.flatMap((t) => [...t.lines]));
  const lines = taken.size > 0 ? allLines.filter((_, i) => !taken.has(i)) : allLines;
  const root = buildTree(lines, parser.warnings);
  parser.visit(root, { path: [], inherited: null });
  for (const table of flatTables) parser.flatTableTasks(table);
  if (parser.tasks.length === 0) {
    const leaves = leavesWithoutUnits(root);
    if (leaves.length >= 2) for (const leaf of leaves) parser.nodeTask(leaf, pathOf(leaf), null);
  }
  for (const key of ['title', 'docNumber', 'issuer', 'date'] as const) {
    if (meta[key] === null) parser.warn('metadata-missing', `未能识别${METADATA_NAMES[key]}`, 0);
  }
  return {
    title: meta.title,
    docNumber: meta.docNumber,
    issuer: meta.issuer,
    date: meta.date,
    goals: parser.goals,
    tasks: parser.tasks
      .map((task) => ({ ...task, units: markUnitGroups(task.units) }))
      .sort((a, b) => a.source.start - b.source.start),
    warnings: parser.warnings.sort((a, b) => a.at - b.at),
  };
}

/** The year of a yearly plan ("2024年工作要点"); null for a plan that spans years ("（2023—2025年）"). */
function planYearOf(title: string | null): string | null {
  if (!title || /(?:19|20)\d{2}\s*[-—–~～至到]\s*(?:19|20)\d{2}/.test(title)) return null;
  return /((?:19|20)\d{2})\s*年/.exec(title)?.[1] ?? null;
}

const METADATA_NAMES = { title: '标题', docNumber: '文号', issuer: '发文机关', date: '成文日期' } as const;

function pathOf(node: PlanNode): string[] {
  const path: string[] = [];
  for (let n = node.parent; n?.line; n = n.parent) path.unshift(label(n));
  return path;
}

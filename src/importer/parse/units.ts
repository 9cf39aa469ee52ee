/**
 * Responsible units (责任单位) in all the common notations: labelled brackets (（牵头单位：A；配合单位：B）),
 * verb forms (（A牵头，B配合）, （A负责）, （A会同B负责）, （A、B指导）), lines of their own (责任单位：A、B), a deadline
 * in the same bracket, and the "first-listed unit leads" note (列第一位者为牵头单位).
 */
import { bracketGroups, type BracketGroup } from './text.ts';

/** What one unit clause says. `responsible` is a 责任单位 list: lead when alone, support beside a 牵头单位. */
export interface UnitClause {
  lead: string[];
  support: string[];
  responsible: string[];
  /** Units that guide (指导) or act 按职责分工: support beside a lead, lead when nothing else leads. */
  secondary: string[];
  due: string | null;
  /** Where the clause stands in the text it was read from (the brackets included). */
  start: number;
  end: number;
}

export const FIRST_LISTED_NOTE =
  /[（(，,；;]?\s*(?:(?:列|排)(?:在)?(?:第一位|首位|第一)(?:者|的|单位)?|第一(?:个|家)?(?:单位)?|首位(?:单位)?)(?:为|是)(?:牵头|主要责任)单位[，,；;]?(?:下同)?[）)]?/;

const LABEL = /^(.{0,10}?)(单位|部门|主体)\s*[:：]\s*(.*)$/s;
const DUE_LABEL = /^(?:完成)?(?:时限|时间|期限|时间节点|完成时间)\s*[:：]\s*(.*)$/s;
const DUE_WORDS =
  /(?:\d{4}\s*年|\d{1,2}\s*月|年底|年末|月底|季度|上半年|下半年|前完成|完成$|持续推进|长期坚持|长期|常态化|每年|逐年)/;
// How units usually end: bodies (委, 局, 办 …), places (镇, 街道, 区 …), companies, groups (各相关部门).
const UNIT_END =
  /(?:委|局|办|部|院|厅|中心|公司|集团|镇|乡|街道|办事处|政府|会|所|站|队|处|室|馆|行|社|区|县|市|省|组|校|学|署|台|团|庭|司|协|联|关|委员会|管委会|单位|部门|机构|企业|园区|园|场|[）)])$/;

type Role = 'lead' | 'support' | 'responsible' | 'secondary';

function roleOfLabel(label: string): Role | null {
  if (/牵头|主办|主责|主要责任/.test(label)) return 'lead';
  if (/配合|协同|参与|协办|协作|支持|协助|相关/.test(label)) return 'support';
  if (/责任|实施|承办|落实|负责/.test(label)) return 'responsible';
  return null;
}

/** Splits a list of units ("A、B和C等") into names, keeping groups such as 各区、县级市 whole. */
export function splitUnitList(text: string): string[] {
  const items = splitOutsideBrackets(text)
    .map((s) =>
      s
        .replace(/\s+/g, '')
        .replace(/^(?:由|请|和|及)/, '')
        // An open tail (A、B等有关部门和单位) is not a unit: what the list leaves open is for the review.
        .replace(/等(?:其他|其它)?(?:相关|有关)?(?:部门|单位|机构)?(?:和|及)?(?:单位|部门)?$/, ''),
    )
    .filter((s) => s !== '');
  const out: string[] = [];
  for (const item of items) {
    const previous = out[out.length - 1];
    // "各区、县级市", "各市、县（市、区）人民政府": a group named by kinds of place, written as one phrase.
    // Only after a bare kind of place (各区, 各市, 各街道): 各街镇、开发区 names two groups.
    if (previous !== undefined && GROUP_HEAD.test(previous) && GROUP_TAIL.test(item)) {
      out[out.length - 1] = `${previous}、${item}`;
      continue;
    }
    out.push(item);
  }
  return out;
}

const GROUP_HEAD = /^各(?:省|市|县|区|州|盟|旗|街道|乡|镇)$/;
const GROUP_TAIL =
  /^(?:县级市|县|市|区|镇|乡|乡镇|街道|开发区|园区)(?:[（(][^）)]*[）)])?(?:人民政府|政府|管委会|办事处)?$/;

/** Splits at list separators that stand outside brackets: "县（市、区）" stays whole. */
function splitOutsideBrackets(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (ch === '（' || ch === '(') depth++;
    else if ((ch === '）' || ch === ')') && depth > 0) depth--;
    else if (depth === 0 && '、，,；;/／'.includes(ch)) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

const looksLikeUnit = (name: string): boolean =>
  name.length >= 2 && name.length <= 30 && !/[。：:；;“”"]/.test(name) && !/^\d/.test(name);

const looksLikeOrganisation = (name: string): boolean => looksLikeUnit(name) && UNIT_END.test(name);

function emptyClause(start: number, end: number): UnitClause {
  return { lead: [], support: [], responsible: [], secondary: [], due: null, start, end };
}

/** Splits clause content into segments: at ；, and at ， where a new label or verb form begins. */
function segments(content: string): string[] {
  return (
    content
      .split(/[；;]/)
      // "A牵头负责、B、C组织落实": a verb form closed by 、 instead of ，.
      .flatMap((part) => part.split(/(?<=牵头负责|牵头|负责|配合|参与|组织落实|指导)、/))
      .flatMap((part) => part.split(/[，,](?=[^，,、：:]{1,12}?(?:单位|部门|时限|时间)\s*[:：])/))
      // "牵头单位：A 配合单位：B": labels parted only by a space, which cleaning took away.
      .flatMap((part) =>
        part.split(/(?<=[^，,、：:\s])(?=(?:牵头|配合|协同|参与|协办|责任|主办)(?:协调)?(?:单位|部门|主体)[:：])/),
      )
      .flatMap((part) => (LABEL.test(part) ? [part] : part.split(/[，,]/)))
      .map((s) => s.trim())
      .filter((s) => s !== '')
  );
}

/**
 * Reads one clause's content ("牵头单位：A；配合单位：B", "A牵头，B配合"). Returns null when the content names no
 * unit in a recognised notation (an ordinary bracket such as （金山） or （AMOLED））.
 */
export function readUnitClause(content: string, start: number, end: number): UnitClause | null {
  // The same bracket is looked at for units, for titles and for targets: read each text once.
  let known = clauseCache.get(content);
  if (known === undefined) {
    known = readClauseContent(content);
    if (clauseCache.size > 10_000) clauseCache.clear();
    clauseCache.set(content, known);
  }
  return known && { ...known, start, end };
}

const clauseCache = new Map<string, UnitClause | null>();

function readClauseContent(content: string): UnitClause | null {
  const clause = emptyClause(0, 0);
  let text = content;
  // The note that the first-listed unit leads is read for the whole plan elsewhere; here it is not a unit.
  const note = FIRST_LISTED_NOTE.exec(text);
  if (note) text = text.slice(0, note.index) + text.slice(note.index + note[0].length);
  let named = false;
  const add = (role: Role, names: string[]) => {
    clause[role].push(...names);
    if (names.length > 0) named = true;
  };
  for (const segment of segments(text)) {
    const due = DUE_LABEL.exec(segment);
    if (due) {
      clause.due = due[1]?.trim() || null;
      continue;
    }
    const labelled = LABEL.exec(segment);
    if (labelled) {
      const role = roleOfLabel(`${labelled[1] ?? ''}${labelled[2] ?? ''}`);
      if (role) add(role, splitUnitList(labelled[3] ?? '').filter(looksLikeUnit));
      continue;
    }
    const verb = readVerbForm(segment);
    if (verb) {
      for (const [role, names] of verb) add(role, names);
      continue;
    }
    if (DUE_WORDS.test(segment) && segment.length <= 20) clause.due = segment;
  }
  return named ? clause : null;
}

/** "A牵头", "A会同B负责", "A、B配合", "A指导", "A按职责分工负责", "A负责". Every name must look like a body. */
function readVerbForm(segment: string): [Role, string[]][] | null {
  const s = segment.replace(/\s+/g, '');
  const together = /^(.+?)(?:会同|联合|协调)(.+?)(?:共同)?(?:负责|推进|落实|实施)?$/.exec(s);
  const forms: [RegExp, Role][] = [
    [/^(.+?)(?:按职责(?:分工)?)?(?:牵头负责|牵头落实|牵头推进|牵头)$/, 'lead'],
    [/^(.+?)(?:共同参与|配合|参与|协同|协助|协办|支持)$/, 'support'],
    [/^(.+?)(?:指导)$/, 'secondary'],
    // "A、B按职责分工负责落实": each answers for its own share, as a 责任单位 list does.
    [/^(.+?)按职责(?:分工)?(?:负责落实|负责推进|牵头负责)$/, 'responsible'],
    [/^(.+?)按职责(?:分工)?(?:组织)?(?:负责|落实|推进|指导|配合|参与)?$/, 'secondary'],
    [/^(.+?)(?:抓好落实|抓落实|具体落实|组织实施|组织落实|组织推进)$/, 'secondary'],
    [/^(.+?)(?:分别负责|具体负责|负责|落实|实施)$/, 'responsible'],
  ];
  if (together && !/牵头/.test(s)) {
    const lead = splitUnitList(together[1] ?? '');
    const support = splitUnitList(together[2] ?? '');
    if ([...lead, ...support].every(looksLikeOrganisation)) {
      return [
        ['lead', lead],
        ['support', support],
      ];
    }
  }
  for (const [pattern, role] of forms) {
    const match = pattern.exec(s);
    if (!match) continue;
    const names = splitUnitList(match[1] ?? '');
    if (names.length > 0 && names.every(looksLikeOrganisation)) return [[role, names]];
  }
  return null;
}

/** The unit clauses in brackets within a text, in written order. */
export function findUnitClauses(text: string): UnitClause[] {
  if (!/单位|部门|主体|牵头|负责|配合|参与|指导|协同|会同|按职责|落实/.test(text)) return [];
  const clauses: UnitClause[] = [];
  for (const group of [...bracketGroups(text), ...squareGroups(text)]) {
    const clause = readUnitClause(group.content, group.start, group.end);
    if (clause) clauses.push(clause);
  }
  // "…推进项目建设。责任单位：区发改委、区财政局。": a label closing the paragraph, without brackets.
  const trailing = /[:：]/.test(text) ? TRAILING_LABEL.exec(text) : null;
  if (trailing?.[1] && !clauses.some((c) => c.end > trailing.index)) {
    const start = trailing.index + trailing[0].indexOf(trailing[1]);
    const clause = readUnitClause(trailing[1], start, text.length);
    if (clause) clauses.push(clause);
  }
  return clauses.sort((a, b) => a.start - b.start);
}

const TRAILING_LABEL =
  /[。；;]\s*((?:牵头|责任|配合|协同|参与|协办|主办|实施|建设)(?:协调)?(?:单位|部门|主体)\s*[:：][^。（()）]*)[。.]?\s*$/;

/** 【…】 groups, which some plans use for their unit clauses: 【牵头单位：区发改委】. */
function squareGroups(text: string): BracketGroup[] {
  if (!text.includes('【')) return [];
  return [...text.matchAll(/【([^【】]*)】/g)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    content: m[1] ?? '',
  }));
}

/** A line or segment that opens with a unit label: 牵头单位：, 责任部门：, 责任主体：… */
export const LABEL_LINE = /^(?:牵头|责任|配合|协同|参与|协办|主办|实施|建设)(?:协调)?(?:单位|部门|主体)\s*[:：]/;

/** A line that only names units, without brackets: "责任单位：A、B" or "牵头单位：A；配合单位：B". */
export function readLabelLine(text: string): UnitClause | null {
  if (!LABEL_LINE.test(text)) return null;
  return readUnitClause(text.replace(/[。.]$/, ''), 0, text.length);
}

/** A task's units gathered from all its clauses, with the notation's rules applied. */
export interface ResolvedUnits {
  lead: string[];
  support: string[];
  due: string | null;
}

/**
 * Combines a task's clauses: explicit leads first; 责任单位 lead when no 牵头单位 is named (or only the first of
 * each list when the plan says the first-listed unit leads), support otherwise; guiding units support.
 */
export function resolveUnits(clauses: UnitClause[], firstListedLeads: boolean): ResolvedUnits {
  const lead: string[] = [];
  const support: string[] = [];
  let due: string | null = null;
  const explicitLead = clauses.some((c) => c.lead.length > 0);
  for (const clause of clauses) {
    lead.push(...clause.lead);
    support.push(...clause.support);
    if (explicitLead) {
      support.push(...clause.responsible);
    } else if (firstListedLeads) {
      const [first, ...rest] = clause.responsible;
      if (first !== undefined) lead.push(first);
      support.push(...rest);
    } else {
      lead.push(...clause.responsible);
    }
    due ??= clause.due;
  }
  const secondary = clauses.flatMap((c) => c.secondary);
  if (lead.length === 0) lead.push(...secondary);
  else support.push(...secondary);
  const leads = unique(lead);
  return { lead: leads, support: unique(support).filter((s) => !leads.includes(s)), due };
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

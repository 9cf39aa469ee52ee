/**
 * Quantitative targets (指标) in plan text: a number with a unit (800亿元, 7.8%, 3-5家, 400万元/亩), a scale
 * class in a task's aim (千亿级 → 1000亿元), the comparator the wording implies, the deadline of the sentence
 * (到2025年, 到“十四五”末), a period (“十四五”期间), 累计 and a written baseline (由…提高到…). Dates, 文号,
 * subsidy amounts and caps, enumerations (1+4+4+4), scores and ratings (4A级) are not targets.
 */
import type { Comparator, Target } from '../../domain/plan-draft.ts';
import { chineseNumber } from './text.ts';

export interface FoundTarget extends Target {
  /** True when no word in the text gave the comparator and the default (>=) was taken. */
  comparatorGuessed: boolean;
}

const MAGNITUDE = '(?:万亿|千亿|百亿|十亿|亿|千万|百万|十万|万)';
const BASE_UNITS = [
  '个百分点',
  '百分点',
  '平方公里',
  '平方千米',
  '平方米',
  '立方米',
  '千瓦时',
  '个工作日',
  '个班',
  '个月',
  '工作日',
  '标准箱',
  '人次',
  '家次',
  '项次',
  '台套',
  '亩次',
  '户次',
  '架次',
  '车次',
  '艘次',
  '场次',
  '批次',
  '台次',
  '美元',
  '厘米',
  '毫米',
  '公里',
  '千米',
  '公顷',
  '千瓦',
  '兆瓦',
  '吉瓦',
  '分钟',
  '小时',
  '千克',
  '公斤',
  '微克',
  '平米',
  '标箱',
  'TEU',
  '元',
  '人',
  '名',
  '家',
  '个',
  '项',
  '座',
  '所',
  '条',
  '米',
  '亩',
  '吨',
  '辆',
  '户',
  '套',
  '张',
  '次',
  '场',
  '届',
  '天',
  '床',
  '间',
  '台',
  '艘',
  '架',
  '件',
  '份',
  '批',
  '处',
  '栋',
  '幢',
  '株',
  '只',
  '头',
  '支',
  '类',
  '种',
  '款',
  '部',
  '倍',
  '篇',
  '册',
  '秒',
  'EFLOPS',
  'PFLOPS',
  'TFLOPS',
  'Gbps',
  'Mbps',
  'GW',
  'MW',
  'kW',
  'TB',
  'PB',
  'km',
];
const UNIT_AT = new RegExp(
  `^(?:%|％|‰|${MAGNITUDE}?(?:${BASE_UNITS.join('|')})(?:[/／](?:${MAGNITUDE}|千|百)?(?:${BASE_UNITS.join('|')}|日|年|月|周))?|${MAGNITUDE})`,
);
const DURATION = /^(?:分钟|小时|天|个工作日|工作日|个月|秒)$/;
// A unit character that here starts another word: 3部门, 5家庭, 2条例, 10名单.
const FALSE_UNIT = /^(?:部门|家庭|条例|处理|名单|次数|项目|个人|天然|米粮|场所|场景|条件|台阶)/;
const RANGE_SEPARATOR = /^\s*(?:-|—{1,2}|–|－|~|～|〜|至|到)\s*/;
const NUMBER = /\d+(?:\.\d+)?/g;
const SCALE = /(\d+(?:\.\d+)?|[一二两三四五六七八九十百千万]+)\s*(万亿|亿)元?级/g;
const AIM = /打造|建成|建设|形成|培育|发展|壮大|成为|迈向|冲刺|突破|跻身|达到|做大|做强/;
const PLAN_PARTS = /^(?:重点|主要)?(?:任务|方面)/;
const SUBSIDY = /补贴|补助|奖励|资助|奖补|贴息|扶持资金|最高|返还|退还|减免/;
// "已完成25平方公里", "已累计完成约4000亩": what has been done is a status, not a promise.
const STATUS = /已(?:经)?(?:累计)?(?:完成|建成|实现|达到|形成|创建|开展|有)/;
// "15分钟社区生活圈", "30分钟通勤圈": a planning concept named by a time, not a time to meet.
const NAMED_CIRCLE = /^[^，。；、]{0,6}圈/;
// "500米服务半径": a radius that plans around, not a quantity to reach.
const RADIUS = /^(?:的)?(?:服务|覆盖)?半径/;
// "对…达到职工人数25%以上的企业": the threshold that makes a body eligible, not a promise.
const ELIGIBLE = /^[^，。；]{0,8}的(?:企业|单位|项目|个人|家庭|人员|用户|主体|建筑|地块)/;

const COMPARATOR_WORDS: [string, Comparator][] = [
  ['不超过', '<='],
  ['不高于', '<='],
  ['不多于', '<='],
  ['不大于', '<='],
  ['控制在', '<='],
  ['低于', '<='],
  ['少于', '<='],
  ['压缩至', '<='],
  ['压缩到', '<='],
  ['缩短至', '<='],
  ['缩短到', '<='],
  ['降至', '<='],
  ['降低到', '<='],
  ['降低至', '<='],
  ['下降到', '<='],
  ['下降至', '<='],
  ['减少到', '<='],
  ['减少至', '<='],
  ['不少于', '>='],
  ['不低于', '>='],
  ['至少', '>='],
  ['突破', '>='],
  ['达到', '>='],
  ['达', '>='],
  ['实现', '>='],
  ['确保', '>='],
  ['力争', '>='],
  ['提高到', '>='],
  ['提高至', '>='],
  ['提升到', '>='],
  ['提升至', '>='],
  ['增加到', '>='],
  ['增加至', '>='],
  ['增长到', '>='],
  ['扩大到', '>='],
  ['≥', '>='],
  ['≤', '<='],
  ['＜', '<='],
  ['＞', '>'],
  ['超过', '>'],
  ['高于', '>'],
  ['大于', '>'],
  ['多于', '>'],
  ['约', '='],
  ['大约', '='],
];

interface Deadline {
  at: number;
  year: string;
  period?: string;
}

const FIVE_YEAR_PLANS: Record<string, number> = { 十三五: 2020, 十四五: 2025, 十五五: 2030, 十六五: 2035 };

/** Deadline and period phrases of a sentence, in order. */
function deadlinesIn(sentence: string): Deadline[] {
  const found: Deadline[] = [];
  if (!sentence.includes('年') && !sentence.includes('五')) return found;
  for (const m of sentence.matchAll(/[“"]?(十[三四五六]五)[”"]?\s*(末|期末|期间|时期|规划期)/g)) {
    const end = FIVE_YEAR_PLANS[m[1] ?? ''];
    if (end === undefined) continue;
    const during = m[2] !== '末' && m[2] !== '期末';
    found.push({ at: m.index, year: String(end), ...(during ? { period: `${end - 4}-${end}` } : {}) });
  }
  for (const m of sentence.matchAll(/((?:19|20)\d{2})\s*[-—–~～至到]\s*((?:19|20)\d{2})\s*年/g)) {
    found.push({ at: m.index, year: m[2] ?? '', period: `${m[1]}-${m[2]}` });
  }
  for (const m of sentence.matchAll(
    /(到|至|截至|截止到?|力争到|力争在|力争|在)?\s*((?:19|20)\d{2})\s*年\s*(底|末|年底|年末)?\s*(前|之前|以前)?([，,]?)/g,
  )) {
    // A year opening a sentence or clause ("2024年全市…达到…") states a deadline too.
    const opens = m.index === 0 || /[，,；;：:。]/.test(sentence[m.index - 1] ?? '');
    const stated = m[1] || m[3] || m[4] || m[5] || opens;
    // "2021年6月" is a date; "到2025年", "2025年底前", "2025年，…" state a deadline.
    if (!stated || /^\s*\d{1,2}\s*月/.test(sentence.slice(m.index + m[0].length))) continue;
    if (found.some((d) => d.period && Math.abs(d.at - m.index) < 12)) continue;
    found.push({ at: m.index, year: m[2] ?? '' });
  }
  return found.sort((a, b) => a.at - b.at);
}

function comparatorBefore(window: string): Comparator | null {
  let best: { end: number; length: number; comparator: Comparator } | null = null;
  for (const [word, comparator] of COMPARATOR_WORDS) {
    const i = window.lastIndexOf(word);
    if (i < 0) continue;
    const end = i + word.length;
    if (!best || end > best.end || (end === best.end && word.length > best.length)) {
      best = { end, length: word.length, comparator };
    }
  }
  return best?.comparator ?? null;
}

function comparatorAfter(after: string): Comparator | null {
  if (/^\s*(?:及)?以上/.test(after)) return '>=';
  if (/^\s*(?:以内|以下|之内)/.test(after)) return '<=';
  if (/^\s*左右/.test(after)) return '=';
  return null;
}

/** The clause (between ，；) around a position, with a deadline-only clause before it kept as its lead-in. */
function clauseAround(sentence: string, from: number, to: number): { text: string; start: number } {
  const before = sentence.slice(0, from);
  const start =
    Math.max(before.lastIndexOf('，'), before.lastIndexOf('；'), before.lastIndexOf(','), before.lastIndexOf(';')) + 1;
  const rest = sentence.slice(to);
  const stop = rest.search(/[，；,;]/);
  const end = stop < 0 ? sentence.length : to + stop;
  let text = itemAround(sentence.slice(start, end), from - start);
  let clauseStart = start;
  if (start > 0) {
    const previousStart = Math.max(sentence.lastIndexOf('，', start - 2), sentence.lastIndexOf('；', start - 2)) + 1;
    const previous = sentence.slice(previousStart, start - 1);
    if (
      /^(?:到|至|截至)?[“"]?(?:(?:19|20)\d{2}年(?:底|末)?(?:前)?|十[三四五六]五[”"]?(?:末|期末|期间))$/.test(previous)
    ) {
      text = `${previous}，${text}`;
      clauseStart = previousStart;
    }
  }
  return { text: balanceQuotes(text.replace(/[。！？!?\s]+$/, '').trim()), start: clauseStart };
}

/** In "吸引3-5家科研机构、30-50家企业总部落户", the item (between 、) that holds the number at `at`. */
function itemAround(clause: string, at: number): string {
  if (!clause.includes('、')) return clause;
  const items: { start: number; text: string }[] = [];
  let start = 0;
  for (const part of clause.split('、')) {
    items.push({ start, text: part });
    start += part.length + 1;
  }
  const own = items.findLast((item) => item.start <= at);
  const othersCount = items.some((item) => item !== own && /\d/.test(item.text));
  return own && othersCount ? own.text : clause;
}

/** Drops a quotation mark whose partner fell outside the phrase: "基本实现“30分钟…出行". */
function balanceQuotes(text: string): string {
  let out = text;
  if (out.lastIndexOf('“') > out.lastIndexOf('”')) out = out.replace(/“(?!.*”)/, '');
  if (out.indexOf('”') >= 0 && (out.indexOf('“') < 0 || out.indexOf('”') < out.indexOf('“')))
    out = out.replace('”', '');
  return out;
}

function insideEnclosure(text: string, at: number, open: string, close: string): boolean {
  return text.lastIndexOf(open, at) > text.lastIndexOf(close, at);
}

/** The text of the “…” quotation around a position. */
function quoted(text: string, at: number): string {
  const open = text.lastIndexOf('“', at);
  const close = text.indexOf('”', at);
  return text.slice(open, close < 0 ? text.length : close);
}

interface Candidate {
  at: number;
  end: number;
  value: number | [number, number];
  unit: string;
  scale: boolean;
}

function numberCandidates(sentence: string): Candidate[] {
  const out: Candidate[] = [];
  NUMBER.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = NUMBER.exec(sentence))) {
    const at = m.index;
    const prev = sentence[at - 1] ?? '';
    if (/[A-Za-z0-9.+＋×第前每]/.test(prev)) continue;
    let pos = at + m[0].length;
    const first = Number(m[0]);
    let rest = sentence.slice(pos).replace(/^\s+/, '');
    pos = sentence.length - rest.length;
    let unit = UNIT_AT.exec(rest)?.[0] ?? '';
    let value: number | [number, number] = first;
    const afterFirst = rest.slice(unit.length);
    const sep = RANGE_SEPARATOR.exec(afterFirst);
    if (sep) {
      const second = /^\d+(?:\.\d+)?/.exec(afterFirst.slice(sep[0].length));
      if (second) {
        const tail = afterFirst.slice(sep[0].length + second[0].length).replace(/^\s+/, '');
        const secondUnit = UNIT_AT.exec(tail)?.[0] ?? '';
        if (secondUnit !== '' && (unit === '' || unit === secondUnit) && Number(second[0]) > first) {
          value = [first, Number(second[0])];
          unit = secondUnit;
          rest = tail;
          pos = sentence.length - tail.length;
          NUMBER.lastIndex = pos;
        }
      }
    }
    if (unit === '') continue;
    const next = rest.slice(unit.length);
    if (/^[+＋]/.test(next) || /^[A-Za-z]/.test(next)) continue;
    if (/^元?级/.test(next) || FALSE_UNIT.test(rest)) continue;
    // "围绕6个方面，实施26项重点任务": the plan counting its own parts.
    if (/^(?:个|项|大)$/.test(unit) && PLAN_PARTS.test(next)) continue;
    out.push({ at, end: pos + unit.length, value, unit: unit.replace('％', '%'), scale: false });
  }
  return out;
}

function scaleCandidates(sentence: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of sentence.matchAll(SCALE)) {
    const digits = m[1] ?? '';
    const base = /^\d/.test(digits) ? Number(digits) : chineseNumber(digits);
    if (base === null || base <= 0) continue;
    const value = m[2] === '万亿' ? base * 10000 : base;
    out.push({ at: m.index, end: m.index + m[0].length, value, unit: '亿元', scale: true });
  }
  return out;
}

/** Options for {@link findTargets}. */
export interface TargetOptions {
  /** A deadline that holds where a sentence states none (a goal section's "到2025年…具体目标如下"). */
  defaultDeadline?: string | null;
  /** The year a yearly plan (2024年工作要点) is for: "全年", "年底前", "年内" mean that year. */
  planYear?: string | null;
}

const THIS_YEAR = /全年|年底前|年内|今年|本年度/;

/**
 * Finds the targets in a passage of plan text, in written order.
 * @example findTargets('到2025年，特色产业产值规模达到800亿元。')
 * // [{ text: '到2025年，特色产业产值规模达到800亿元', value: 800, unit: '亿元', comparator: '>=', deadline: '2025', … }]
 */
export function findTargets(text: string, options: TargetOptions = {}): FoundTarget[] {
  const targets: FoundTarget[] = [];
  for (const sentence of text.split(/(?<=[。！？!?\n])/)) {
    if (/\d|[十百千万]亿/.test(sentence)) targets.push(...targetsInSentence(sentence, options));
  }
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = `${JSON.stringify(t.value)}|${t.unit}|${t.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function targetsInSentence(sentence: string, options: TargetOptions): FoundTarget[] {
  const deadlines = deadlinesIn(sentence);
  const candidates = [...numberCandidates(sentence), ...scaleCandidates(sentence)].sort((a, b) => a.at - b.at);
  const baselineOf = new Map<Candidate, { value: number; year: number | null }>();
  const consumed = new Set<Candidate>();
  for (const [i, c] of candidates.entries()) {
    const earlier = candidates[i - 1];
    if (!earlier || earlier.scale || c.scale || Array.isArray(earlier.value)) continue;
    const between = sentence.slice(earlier.end, c.at);
    const lead = sentence.slice(Math.max(0, earlier.at - 12), earlier.at);
    if (
      /^[^，。；\d]{0,10}(?:到|至|为)(?:\s*(?:19|20)\d{2}\s*年(?:底|末)?的?)?\s*$/.test(between) &&
      /(?:由|从)(?:(?:19|20)\d{2}年(?:底|末)?的?)?\s*$/.test(lead)
    ) {
      const year = /((?:19|20)\d{2})年/.exec(lead);
      baselineOf.set(c, { value: earlier.value, year: year ? Number(year[1]) : null });
      consumed.add(earlier);
    }
  }
  const out: FoundTarget[] = [];
  for (const c of candidates) {
    if (consumed.has(c)) continue;
    if (insideEnclosure(sentence, c.at, '《', '》') || insideEnclosure(sentence, c.at, '〔', '〕')) continue;
    const clause = clauseAround(sentence, c.at, c.end);
    if (SUBSIDY.test(clause.text) || STATUS.test(clause.text)) continue;
    if (isPolicyParameter(sentence, c, clause)) continue;
    // "对投资超过1亿元的项目给予奖励": a threshold of eligibility for a subsidy, not a promise.
    if (sentence[c.end] === '的' && SUBSIDY.test(sentence)) continue;
    if (insideEnclosure(sentence, c.at, '“', '”') && /[+＋]/.test(quoted(sentence, c.at))) continue;
    if (c.scale && !acceptScale(sentence, c, clause.text)) continue;
    // "围绕A、B等8条重点产业链": a count that sums up a list the sentence works along, not a promise.
    if (sentence[c.at - 1] === '等' && /^(?:围绕|聚焦|针对|包括|涵盖|依托|覆盖)/.test(clause.text)) continue;
    // "每季度召开1次": how often a meeting sits, not a target.
    if (c.unit === '次' && typeof c.value === 'number' && c.value <= 12 && /每(?:季度|月|周|半年|年)/.test(clause.text))
      continue;
    const window = sentence.slice(Math.max(clause.start, c.at - 12), c.at);
    const after = comparatorAfter(sentence.slice(c.end, c.end + 6));
    const isDuration = DURATION.test(c.unit);
    let comparator: Comparator | null = Array.isArray(c.value) ? 'range' : (after ?? comparatorBefore(window));
    // "30分钟实现…出行", "45分钟到达": a time to get something done is a ceiling, whatever verb comes before.
    if (isDuration && comparator === '>=' && !after) comparator = '<=';
    const guessed = comparator === null && !isDuration && !c.scale;
    comparator ??= isDuration ? '<=' : '>=';
    // "用3个月时间" is a span of work; "压缩至6个月以内" is a promise.
    if (c.unit === '个月' && comparator !== '<=') continue;
    const before = deadlines.filter((d) => d.at < c.at);
    const deadline = before[before.length - 1] ?? deadlines[0];
    const thisYear = options.planYear && THIS_YEAR.test(sentence) ? options.planYear : null;
    const target: FoundTarget = {
      text: clause.text,
      value: c.value,
      unit: c.unit,
      comparator,
      deadline: deadline?.year ?? thisYear ?? options.defaultDeadline ?? null,
      comparatorGuessed: guessed,
    };
    const period = before.find((d) => d.period)?.period;
    if (period) target.period = period;
    if (sentence.slice(0, c.at).includes('累计')) target.cumulative = true;
    const baseline = baselineOf.get(c);
    if (baseline) target.baseline = baseline;
    out.push(target);
  }
  return out;
}

/**
 * Quantities a plan states as a rule's parameter or a description rather than a result to reach: the area a
 * bracket gives a named zone (远香湖南（4.73平方公里）, 面积约8.6平方公里), a named planning concept (15分钟社区生活圈),
 * a radius, a duration a rule counts by (按6个月), an eligibility threshold (对…达到25%以上的企业).
 */
function isPolicyParameter(sentence: string, c: Candidate, clause: { text: string; start: number }): boolean {
  const before = sentence[c.at - 1] ?? '';
  const after = sentence.slice(c.end);
  if (/[（(]/.test(before) && /^\s*[）)]/.test(after)) return true;
  if (/面积(?:约|为)$|按$/.test(sentence.slice(Math.max(clause.start, c.at - 4), c.at))) return true;
  if (DURATION.test(c.unit) && NAMED_CIRCLE.test(after)) return true;
  if (RADIUS.test(after)) return true;
  // An eligibility threshold: a clause opened by 对/凡/符合 naming the bodies that reach the figure.
  const tail = after.replace(/^\s*(?:及)?(?:以上|以下)/, '');
  return ELIGIBLE.test(tail) && /^(?:对于|对|凡|符合)/.test(clause.text);
}

/** A scale class counts in a task's aim, not where a sentence only names tiers (百亿级、五十亿级、十亿级). */
function acceptScale(sentence: string, c: Candidate, clause: string): boolean {
  if (insideEnclosure(sentence, c.at, '“', '”')) return false;
  const classes = clause.match(/[\d一二两三四五六七八九十百千万]\s*(?:万亿|亿)元?级/g) ?? [];
  return classes.length === 1 && AIM.test(clause);
}

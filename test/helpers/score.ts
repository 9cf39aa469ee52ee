/**
 * Compares a parsed plan with a hand-checked gold file: tasks aligned in document order, then titles, paths,
 * units (sets and roles), targets (one-to-one on value and unit, Chinese magnitudes scaled) and metadata.
 * The project's own scorer, so that the tests need nothing outside the repository.
 */
import type { PlanDraft } from '../../src/domain/plan-draft.ts';

export interface GoldTarget {
  text?: string;
  value: number | [number, number];
  unit: string;
  comparator: string;
  deadline: string | null;
  optional?: boolean;
}

export interface GoldTask {
  number: string;
  path?: string[];
  title: string;
  units?: { lead?: string[]; support?: string[] };
  targets?: GoldTarget[];
}

export interface Gold {
  title?: string;
  docNumber?: string;
  issuer?: string;
  date?: string;
  goals?: { title: string; targets?: GoldTarget[] }[];
  tasks: GoldTask[];
}

export interface Score {
  taskF1: number;
  /** Share of the parsed tasks that align with a gold task (1 when none was parsed and none is in the gold). */
  taskPrecision: number;
  /** Share of the gold tasks found. */
  taskRecall: number;
  titles: number;
  paths: number;
  units: number;
  roles: number;
  targetF1: number;
  comparators: number;
  deadlines: number;
  meta: number;
  metaOf: number;
  /** Human-readable differences, for the failure message. */
  misses: string[];
}

const norm = (s: unknown): string =>
  String(s ?? '')
    .normalize('NFKC')
    .replace(/[\s*#_`]/g, '');
const numberKey = (s: string): string => norm(s).replace(/[()（）.、]/g, '');
const MAGNITUDES: [string, number][] = [
  ['千亿', 1e11],
  ['百亿', 1e10],
  ['亿', 1e8],
  ['千万', 1e7],
  ['百万', 1e6],
  ['万', 1e4],
];

function quantity(t: { value: number | [number, number]; unit: string }): string {
  let unit = norm(t.unit);
  let scale = 1;
  for (const [prefix, factor] of MAGNITUDES) {
    if (unit.startsWith(prefix) && unit.length > prefix.length) {
      unit = unit.slice(prefix.length);
      scale = factor;
      break;
    }
  }
  const values = (Array.isArray(t.value) ? t.value : [t.value]).map((v) => Number((v * scale).toPrecision(12)));
  return `${values.join('~')} ${unit}`;
}

function bigrams(s: string): Set<string> {
  const t = norm(s);
  const out = new Set<string>();
  for (let i = 0; i + 1 < t.length; i++) out.add(t.slice(i, i + 2));
  return out;
}

function alike(a: string, b: string): boolean {
  const x = bigrams(a);
  const y = bigrams(b);
  if (x.size === 0 && y.size === 0) return true;
  let both = 0;
  for (const k of x) if (y.has(k)) both++;
  return both / Math.max(1, Math.min(x.size, y.size)) >= 1 / 3;
}

const f1 = (hit: number, missed: number, extra: number): number =>
  hit === 0 ? (missed + extra === 0 ? 1 : 0) : (2 * hit) / (2 * hit + missed + extra);

interface TargetTally {
  hit: number;
  need: number;
  extra: number;
  comparatorOk: number;
  deadlineOk: number;
}

function matchTargets(
  gold: GoldTarget[],
  parsed: PlanDraft['tasks'][number]['targets'],
  where: string,
  misses: string[],
): TargetTally {
  const left = parsed.map((t) => ({ t, q: quantity(t), used: false }));
  const tally: TargetTally = { hit: 0, need: 0, extra: 0, comparatorOk: 0, deadlineOk: 0 };
  for (const g of gold) {
    const q = quantity(g);
    const m = left.find((p) => !p.used && p.q === q);
    if (m) m.used = true;
    if (g.optional) continue;
    tally.need++;
    if (!m) {
      misses.push(`${where}: missing target ${q} (${g.text ?? ''})`);
      continue;
    }
    tally.hit++;
    if (m.t.comparator === g.comparator) tally.comparatorOk++;
    else misses.push(`${where}: comparator of ${q}: ${m.t.comparator} (gold ${g.comparator})`);
    if ((g.deadline ?? '') === '' || String(m.t.deadline) === String(g.deadline)) tally.deadlineOk++;
    else misses.push(`${where}: deadline of ${q}: ${m.t.deadline} (gold ${g.deadline})`);
  }
  for (const p of left.filter((p) => !p.used)) misses.push(`${where}: extra target ${p.q} (${p.t.text})`);
  tally.extra = left.filter((p) => !p.used).length;
  return tally;
}

/** Scores a parsed plan against its gold. */
export function scorePlan(gold: Gold, parsed: PlanDraft): Score {
  const misses: string[] = [];
  const g = gold.tasks;
  const p = parsed.tasks;
  const same = (i: number, j: number): boolean => {
    const a = g[i];
    const b = p[j];
    return a !== undefined && b !== undefined && numberKey(a.number) === numberKey(b.number) && alike(a.title, b.title);
  };
  // Longest common subsequence of matching tasks, in document order.
  const lcs = Array.from({ length: g.length + 1 }, () => new Array<number>(p.length + 1).fill(0));
  const at = (i: number, j: number) => lcs[i]?.[j] ?? 0;
  for (let i = g.length - 1; i >= 0; i--) {
    const row = lcs[i] ?? [];
    for (let j = p.length - 1; j >= 0; j--) {
      row[j] = same(i, j) ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const partner = new Map<number, PlanDraft['tasks'][number]>();
  for (let i = 0, j = 0; i < g.length && j < p.length;) {
    const task = p[j];
    if (task && same(i, j) && at(i, j) === at(i + 1, j + 1) + 1) {
      partner.set(i++, task);
      j++;
    } else if (at(i + 1, j) >= at(i, j + 1)) i++;
    else j++;
  }
  let titles = 0;
  let paths = 0;
  let units = 0;
  let roles = 0;
  const tally: TargetTally = { hit: 0, need: 0, extra: 0, comparatorOk: 0, deadlineOk: 0 };
  const add = (t: TargetTally) => {
    for (const k of Object.keys(tally) as (keyof TargetTally)[]) tally[k] += t[k];
  };
  const set = (xs: string[]) => [...new Set(xs.map(norm))].sort().join('|');
  g.forEach((gt, i) => {
    const pt = partner.get(i);
    const where = `task ${gt.number}${gt.title}`;
    if (!pt) {
      misses.push(`${where}: missing`);
      return;
    }
    if (norm(pt.title) === norm(gt.title)) titles++;
    else misses.push(`${where}: title "${pt.title}"`);
    const gp = (gt.path ?? []).map(norm);
    const pp = pt.path.map(norm);
    if (gp.length === pp.length && gp.every((x, k) => x === pp[k])) paths++;
    else misses.push(`${where}: path ${JSON.stringify(pt.path)}`);
    const gl = gt.units?.lead ?? [];
    const gs = gt.units?.support ?? [];
    if (set([...gl, ...gs]) === set([...pt.units.lead, ...pt.units.support])) units++;
    else misses.push(`${where}: units ${pt.units.lead.join('、')} / ${pt.units.support.join('、')}`);
    if (set(gl) === set(pt.units.lead) && set(gs) === set(pt.units.support)) roles++;
    else misses.push(`${where}: roles lead ${pt.units.lead.join('、')} / support ${pt.units.support.join('、')}`);
    add(matchTargets(gt.targets ?? [], pt.targets, where, misses));
  });
  const aligned = new Set(partner.values());
  for (const t of p) {
    if (aligned.has(t)) continue;
    misses.push(`extra task ${t.number}${t.title}`);
    tally.extra += t.targets.length;
  }
  add(
    matchTargets(
      (gold.goals ?? []).flatMap((x) => x.targets ?? []),
      parsed.goals.flatMap((x) => x.targets),
      'goals',
      misses,
    ),
  );
  const share = (n: number) => (g.length ? n / g.length : 1);
  const metaKeys = (['title', 'docNumber', 'issuer', 'date'] as const).filter((k) => gold[k]);
  const metaOk = metaKeys.filter((k) => norm(parsed[k]) === norm(gold[k]));
  for (const k of metaKeys) if (!metaOk.includes(k)) misses.push(`metadata ${k}: ${parsed[k]} (gold ${gold[k]})`);
  return {
    taskF1: f1(partner.size, g.length - partner.size, p.length - aligned.size),
    taskPrecision: p.length ? aligned.size / p.length : g.length ? 0 : 1,
    taskRecall: share(partner.size),
    titles: share(titles),
    paths: share(paths),
    units: share(units),
    roles: share(roles),
    targetF1: f1(tally.hit, tally.need - tally.hit, tally.extra),
    comparators: tally.hit ? tally.comparatorOk / tally.hit : 1,
    deadlines: tally.hit ? tally.deadlineOk / tally.hit : 1,
    meta: metaOk.length,
    metaOf: metaKeys.length,
    misses,
  };
}

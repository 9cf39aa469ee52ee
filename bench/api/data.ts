/**
 * The benchmark's data set, made row by row in code (deterministic: a seeded generator) and handed to a sink that
 * writes it with bulk SQL — never through the services. S = 1 is a city: 16 workspaces (districts) × 50 plans ×
 * 100 tasks = 80 000 tasks, with their units, strands and areas, ~2 targets per task, ~1 M reports over 13 quarters,
 * ~2 M readings, notices, projects with milestones, close-outs and cached statuses. Other scales scale the number of
 * plans (at least one); a plan keeps its 100 tasks down to S = 0.0125, below which plans get smaller.
 *
 * The calendar: every plan runs 2021–2025, quarterly, reports due 15 days after the quarter; the benchmark's clock
 * stands at BENCH_NOW (2024-04-20, Shanghai), so 2021-Q1 … 2024-Q1 have ended (2024-Q1 is the current reporting
 * period, its reports due on 2024-04-15) and 2024-Q2 is under way: its report slots are left empty for the submit
 * benchmark to fill.
 */
import { buildSearchText } from '../../src/db/text-search.ts';

export const BENCH_NOW = '2024-04-20T02:00:00.000Z';
/** The period the submit benchmark drafts and submits reports for (begun, not ended: no report exists yet). */
export const OPEN_PERIOD = '2024-Q2';
const MADE = '2021-01-10T02:00:00.000Z';
const STATUS_AT = '2024-04-19T18:00:00.000Z';

/** Quarters 2021-Q1 … 2024-Q1 with the instant each one's reports are due (the 16th, 00:00 Shanghai). */
const PERIODS = (() => {
  const out: { period: string; dueAt: string; index: number }[] = [];
  for (let year = 2021; year <= 2024; year++) {
    for (let quarter = 1; quarter <= 4; quarter++) {
      if (year === 2024 && quarter > 1) break;
      const endMonth = quarter * 3; // 3, 6, 9, 12 → due the 15th of the next month, end of day
      const dueYear = endMonth === 12 ? year + 1 : year;
      const dueMonth = endMonth === 12 ? 1 : endMonth + 1;
      const dueAt = new Date(Date.UTC(dueYear, dueMonth - 1, 15, 16, 0, 0)).toISOString();
      out.push({ period: `${year}-Q${quarter}`, dueAt, index: out.length });
    }
  }
  return out;
})();

export interface BenchShape {
  scale: number;
  workspaces: number;
  /** Plans per workspace, in workspace order (they differ by at most one). */
  plansPerWorkspace: number[];
  tasksPerPlan: number;
  unitsPerWorkspace: number;
}

/** The shape of the data set at scale `scale` (S = 1: 16 × 50 × 100). */
export function benchShape(scale: number): BenchShape {
  if (!(scale > 0) || scale > 100)
    throw new Error(`规模应在 (0, 100] 之间（--scale must be in (0, 100]），实际 ${scale}`);
  const plans = Math.max(1, Math.round(800 * scale));
  const workspaces = Math.min(16, plans);
  const plansPerWorkspace = Array.from(
    { length: workspaces },
    (_, w) => Math.floor(plans / workspaces) + (w < plans % workspaces ? 1 : 0),
  );
  const tasksPerPlan = Math.max(4, Math.min(100, Math.round((80_000 * scale) / plans)));
  const unitsPerWorkspace = Math.max(8, Math.min(60, Math.round((plans / workspaces) * tasksPerPlan * 0.012)));
  return { scale, workspaces, plansPerWorkspace, tasksPerPlan, unitsPerWorkspace };
}

export type ColumnType = 'text' | 'int' | 'float';

/** The columns the builder writes, per table, with the types PostgreSQL's bulk insert casts to. */
export const BENCH_COLUMNS = {
  workspaces: { id: 'text', version: 'int', created_at: 'text', updated_at: 'text', name: 'text', time_zone: 'text' },
  units: { ...keyed(), name: 'text', full_name: 'text', kind: 'text' },
  plans: {
    ...keyed(),
    title: 'text',
    doc_number: 'text',
    issuer: 'text',
    issued_on: 'text',
    start_year: 'int',
    end_year: 'int',
    cycle_frequency: 'text',
    cycle_due_days: 'int',
    requires_unit_approval: 'int',
    published: 'int',
    current_version: 'int',
  },
  nodes: {
    ...keyed(),
    plan_id: 'text',
    parent_id: 'text',
    kind: 'text',
    number: 'text',
    title: 'text',
    position: 'int',
  },
  tasks: {
    ...keyed(),
    plan_id: 'text',
    node_id: 'text',
    strand_node_id: 'text',
    key: 'text',
    number: 'text',
    title: 'text',
    position: 'int',
    due_on: 'text',
    closed_at: 'text',
    status: 'text',
    status_at: 'text',
    search_text: 'text',
  },
  task_units: { ...keyed(), task_id: 'text', unit_id: 'text', role: 'text', position: 'int' },
  targets: {
    ...keyed(),
    plan_id: 'text',
    task_id: 'text',
    text: 'text',
    comparator: 'text',
    value_low: 'float',
    value_high: 'float',
    unit: 'text',
    deadline: 'text',
    cumulative: 'int',
    baseline_value: 'float',
    baseline_period: 'text',
    position: 'int',
  },
  trajectory_points: { ...keyed(), target_id: 'text', period: 'text', planned: 'float' },
  projects: {
    ...keyed(),
    task_id: 'text',
    owner_unit_id: 'text',
    name: 'text',
    planned_start: 'text',
    planned_end: 'text',
  },
  milestones: {
    ...keyed(),
    project_id: 'text',
    task_id: 'text',
    name: 'text',
    due_on: 'text',
    done_on: 'text',
    frozen: 'int',
    position: 'int',
  },
  reports: {
    ...keyed(),
    task_id: 'text',
    unit_id: 'text',
    period: 'text',
    state: 'text',
    narrative: 'text',
    percent_done: 'int',
    confidence: 'text',
    submitted_at: 'text',
    is_late: 'int',
    decided_at: 'text',
    return_reason: 'text',
  },
  readings: { ...keyed(), target_id: 'text', report_id: 'text', period: 'text', value: 'float', source: 'text' },
  notices: { ...keyed(), task_id: 'text', unit_id: 'text', level: 'text', due_on: 'text', body: 'text', state: 'text' },
  close_outs: { ...keyed(), task_id: 'text', state: 'text', evidence: 'text', decided_at: 'text' },
} as const satisfies Record<string, Record<string, ColumnType>>;

function keyed() {
  return { id: 'text', workspace_id: 'text', version: 'int', created_at: 'text', updated_at: 'text' } as const;
}

export type BenchTable = keyof typeof BENCH_COLUMNS;
export type BenchRow = Record<string, string | number | null>;

/** Where the rows go: the SQLite or PostgreSQL bulk writer. Called parents first. */
export interface RowSink {
  insert(table: BenchTable, rows: readonly BenchRow[]): Promise<void>;
}

export type BenchCounts = Record<BenchTable, number>;

/** A small, fast, seeded generator (mulberry32): the same scale always builds the same data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let idCounter = 0;
const ID_TIME = encode(Date.parse(MADE), 10);

function encode(value: number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET.charAt(value % 32) + out;
    value = Math.floor(value / 32);
  }
  return out;
}

/** Ids shaped like the app's (`tsk_` + 26 Crockford characters), increasing in the order rows are made. */
function id(prefix: string): string {
  idCounter += 1;
  return `${prefix}_${ID_TIME}${encode(idCounter, 16)}`;
}

const DISTRICTS = ['金山区', '奉贤区', '松江区', '青浦区', '嘉定区', '宝山区', '闵行区', '浦东新区'];
const BUREAUS = [
  '发改委',
  '经委',
  '财政局',
  '文旅局',
  '交通委',
  '教育局',
  '卫健委',
  '科委',
  '商务委',
  '农业农村委',
  '生态环境局',
  '规划资源局',
  '住建委',
  '人社局',
  '民政局',
  '市场监管局',
  '应急局',
  '水务局',
  '绿化市容局',
  '国资委',
  '投资促进办',
  '数据局',
  '体育局',
  '统计局',
  '司法局',
  '公安分局',
  '税务局',
  '城管执法局',
  '房管局',
  '退役军人局',
];
const TOWNS = [
  '朱泾',
  '枫泾',
  '张堰',
  '亭林',
  '吕巷',
  '廊下',
  '金山卫',
  '漕泾',
  '山阳',
  '石化',
  '新浜',
  '泖港',
  '叶榭',
];
const ACTIONS = ['推进', '加快', '深化', '提升', '打造', '完善', '实施', '培育'];
const DOMAINS = [
  '高端绿色化工产业集群',
  '会展经济',
  '文旅融合',
  '综合交通枢纽',
  '生态环境治理',
  '数字经济',
  '城市更新',
  '乡村振兴',
  '营商环境',
  '科技创新',
  '公共服务',
  '人才引育',
  '先进制造业',
  '现代农业',
  '滨海旅游',
];
const SUFFIXES = ['建设', '发展', '行动', '工程', '改革', '示范'];
const CN = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
const STATUSES = ['not-started', 'on-track', 'on-track', 'on-track', 'at-risk', 'at-risk', 'off-track', 'overdue'];
const CONFIDENCES = ['green', 'green', 'amber-green', 'amber', 'amber-red', 'red'];
const LEVELS = ['reminder', 'reminder', 'urge', 'urge', 'supervise', 'listed'];

function pick<T>(items: readonly T[], r: number): T {
  return items[Math.floor(r * items.length) % items.length] as T;
}

function dateOf(year: number, dayOfYear: number): string {
  return new Date(Date.UTC(year, 0, 1 + dayOfYear)).toISOString().slice(0, 10);
}

/** Rows collected per table for one plan (or the directory), flushed parents first. */
class Batch {
  readonly rows = new Map<BenchTable, BenchRow[]>();
  add(table: BenchTable, row: BenchRow): void {
    let list = this.rows.get(table);
    if (list === undefined) this.rows.set(table, (list = []));
    list.push(row);
  }
  async flush(sink: RowSink, counts: BenchCounts): Promise<void> {
    for (const table of Object.keys(BENCH_COLUMNS) as BenchTable[]) {
      const list = this.rows.get(table);
      if (list === undefined || list.length === 0) continue;
      await sink.insert(table, list);
      counts[table] += list.length;
    }
    this.rows.clear();
  }
}

export interface BenchWorkspace {
  id: string;
  name: string;
  planIds: string[];
  unitIds: string[];
}

export interface BuiltData {
  shape: BenchShape;
  counts: BenchCounts;
  workspaces: BenchWorkspace[];
}

function emptyCounts(): BenchCounts {
  return Object.fromEntries(Object.keys(BENCH_COLUMNS).map((table) => [table, 0])) as BenchCounts;
}

/**
 * Makes the data set of `shape` and hands it to `sink`, a plan at a time (parents before children). `progress` is
 * told after each workspace.
 */
export async function buildBenchData(
  sink: RowSink,
  shape: BenchShape,
  progress: (done: number, total: number) => void = () => {},
): Promise<BuiltData> {
  idCounter = 0;
  const rand = random(20210601);
  const counts = emptyCounts();
  const workspaces: BenchWorkspace[] = [];
  const stamp = { version: 1, created_at: MADE, updated_at: MADE };

  for (let w = 0; w < shape.workspaces; w++) {
    const batch = new Batch();
    const workspaceId = id('ws');
    const name = `${pick(DISTRICTS, w / DISTRICTS.length)}${w >= DISTRICTS.length ? w + 1 : ''}`;
    batch.add('workspaces', { id: workspaceId, ...stamp, name, time_zone: 'Asia/Shanghai' });
    const units: { id: string; name: string }[] = [];
    for (let u = 0; u < shape.unitsPerWorkspace; u++) {
      const isTown = u >= BUREAUS.length;
      const unitName = isTown
        ? `${TOWNS[(u - BUREAUS.length) % TOWNS.length]}镇${u - BUREAUS.length >= TOWNS.length ? u : ''}`
        : `区${BUREAUS[u]}`;
      const unit = { id: id('unt'), name: unitName };
      units.push(unit);
      batch.add('units', {
        id: unit.id,
        workspace_id: workspaceId,
        ...stamp,
        name: unitName,
        full_name: null,
        kind: isTown ? 'town' : 'bureau',
      });
    }
    await batch.flush(sink, counts);
    const planIds: string[] = [];
    for (let p = 0; p < (shape.plansPerWorkspace[w] ?? 0); p++) {
      planIds.push(await buildPlan(sink, batch, counts, rand, { workspaceId, units, index: p, shape }));
    }
    workspaces.push({ id: workspaceId, name, planIds, unitIds: units.map((unit) => unit.id) });
    progress(w + 1, shape.workspaces);
  }
  return { shape, counts, workspaces };
}

async function buildPlan(
  sink: RowSink,
  batch: Batch,
  counts: BenchCounts,
  rand: () => number,
  context: { workspaceId: string; units: readonly { id: string; name: string }[]; index: number; shape: BenchShape },
): Promise<string> {
  const { workspaceId: ws, units, index, shape } = context;
  const stamp = { workspace_id: ws, version: 1, created_at: MADE, updated_at: MADE };
  const planId = id('pln');
  batch.add('plans', {
    id: planId,
    ...stamp,
    title: `关于${pick(DOMAINS, rand())}的三年行动方案（${index + 1}）`,
    doc_number: `府发〔2021〕${index + 1}号`,
    issuer: '区人民政府',
    issued_on: '2021-01-15',
    start_year: 2021,
    end_year: 2025,
    cycle_frequency: 'quarterly',
    cycle_due_days: 15,
    requires_unit_approval: 0,
    published: index % 5 === 0 ? 1 : 0,
    current_version: 1,
  });

  // The tree: 2 parts › 2 strands each › 3 areas each; the tasks spread over the 12 areas in document order.
  const areas: { id: string; strandId: string; path: string[] }[] = [];
  let position = 0;
  for (let part = 0; part < 2; part++) {
    const partId = id('nod');
    const partTitle = `${pick(ACTIONS, rand())}${pick(DOMAINS, rand())}`;
    batch.add('nodes', node(partId, null, 'part', `${CN[part]}、`, partTitle, part));
    for (let strand = 0; strand < 2; strand++) {
      const strandId = id('nod');
      const strandNumber = `（${CN[part * 2 + strand]}）`;
      const strandTitle = `${pick(ACTIONS, rand())}${pick(DOMAINS, rand())}`;
      batch.add('nodes', node(strandId, partId, 'strand', strandNumber, strandTitle, strand));
      for (let area = 0; area < 3; area++) {
        const areaId = id('nod');
        const areaTitle = `${pick(DOMAINS, rand())}${pick(SUFFIXES, rand())}`;
        batch.add('nodes', node(areaId, strandId, 'area', `${area + 1}.`, areaTitle, area));
        areas.push({
          id: areaId,
          strandId,
          path: [`${CN[part]}、${partTitle}`, `${strandNumber}${strandTitle}`, `${area + 1}.${areaTitle}`],
        });
      }
    }
  }

  function node(nodeId: string, parentId: string | null, kind: string, number: string, title: string, at: number) {
    return { id: nodeId, ...stamp, plan_id: planId, parent_id: parentId, kind, number, title, position: at };
  }

  for (let t = 0; t < shape.tasksPerPlan; t++) {
    const area = areas[Math.floor((t * areas.length) / shape.tasksPerPlan)] ?? areas[0];
    if (area === undefined) throw new Error('a plan without areas');
    const number = `（${t + 1}）`;
    const title = `${pick(ACTIONS, rand())}${pick(DOMAINS, rand())}${pick(SUFFIXES, rand())}`;
    const nodeId = id('nod');
    batch.add('nodes', node(nodeId, area.id, 'task', number, title, position));
    const taskId = id('tsk');

    const leadCount = rand() < 0.7 ? 1 : 2;
    const supportCount = Math.floor(rand() * 3);
    const chosen = new Set<number>();
    while (chosen.size < leadCount + supportCount) chosen.add(Math.floor(rand() * units.length));
    const picked = [...chosen].map((u) => units[u] as { id: string; name: string });
    const leads = picked.slice(0, leadCount);
    const supports = picked.slice(leadCount);

    // Close-outs: 4 % approved (the task closed), 3 % awaiting a decision, 1 % rejected.
    const closeRoll = rand();
    const closedAt = closeRoll < 0.04 ? '2023-12-20T02:00:00.000Z' : null;
    const status = closedAt !== null ? 'closed' : rand() < 0.85 ? pick(STATUSES, rand()) : null;
    batch.add('tasks', {
      id: taskId,
      ...stamp,
      plan_id: planId,
      node_id: nodeId,
      strand_node_id: area.strandId,
      key: `${number} ${title}`,
      number,
      title,
      position,
      due_on: rand() < 0.6 ? dateOf(2021 + Math.floor(rand() * 5), Math.floor(rand() * 365)) : null,
      closed_at: closedAt,
      status,
      status_at: status === null ? null : STATUS_AT,
      search_text: buildSearchText([number, title, ...area.path, ...picked.map((unit) => unit.name)]),
    });
    position += 1;
    leads.forEach((unit, at) =>
      batch.add('task_units', {
        id: id('tun'),
        ...stamp,
        task_id: taskId,
        unit_id: unit.id,
        role: 'lead',
        position: at,
      }),
    );
    supports.forEach((unit, at) =>
      batch.add('task_units', {
        id: id('tun'),
        ...stamp,
        task_id: taskId,
        unit_id: unit.id,
        role: 'support',
        position: at,
      }),
    );
    if (closeRoll < 0.08) {
      const state = closeRoll < 0.04 ? 'approved' : closeRoll < 0.07 ? 'requested' : 'rejected';
      batch.add('close_outs', {
        id: id('clo'),
        ...stamp,
        task_id: taskId,
        state,
        evidence: '验收材料齐全',
        decided_at: state === 'requested' ? null : '2023-12-20T02:00:00.000Z',
      });
    }

    // Targets: 0–4 per task (2 on average).
    const targets: { id: string; low: number; high: number; base: number }[] = [];
    for (let g = 0; g < t % 5; g++) {
      const targetId = id('tgt');
      const comparatorRoll = rand();
      const comparator =
        comparatorRoll < 0.7 ? '>=' : comparatorRoll < 0.85 ? '<=' : comparatorRoll < 0.95 ? 'range' : '=';
      const aim = Math.round(50 + rand() * 950);
      const base = comparator === '<=' ? aim * 1.5 : aim * (0.3 + rand() * 0.4);
      const hasBaseline = rand() < 0.6;
      batch.add('targets', {
        id: targetId,
        ...stamp,
        plan_id: planId,
        task_id: taskId,
        text: `到2025年，${pick(DOMAINS, rand())}达到${aim}亿元`,
        comparator,
        value_low: aim,
        value_high: comparator === 'range' ? aim * 1.2 : null,
        unit: '亿元',
        deadline: '2025',
        cumulative: rand() < 0.2 ? 1 : 0,
        baseline_value: hasBaseline ? Math.round(base) : null,
        baseline_period: hasBaseline ? '2020' : null,
        position: g,
      });
      if (rand() < 0.02) {
        batch.add('trajectory_points', {
          id: id('tjp'),
          ...stamp,
          target_id: targetId,
          period: '2024-Q1',
          planned: Math.round(base + (aim - base) * 0.7),
        });
      }
      targets.push({ id: targetId, low: aim, high: aim, base });
    }

    // Reports of each lead unit for 2021-Q1 … 2024-Q1, each with a reading per target of the task.
    for (const lead of leads) {
      for (const { period, dueAt, index: p } of PERIODS) {
        if (closedAt !== null && dueAt > closedAt) break;
        const age = PERIODS.length - 1 - p; // 0: the current period (2024-Q1), 1: the previous …
        const roll = rand();
        const missing = age === 0 ? 0.27 : age === 1 ? 0.07 : 0.2;
        if (roll < missing) continue;
        let state: string;
        const r = rand();
        if (age === 0) state = r < 0.45 ? 'submitted' : r < 0.7 ? 'accepted' : r < 0.75 ? 'returned' : 'draft';
        else if (age === 1) state = r < 0.15 ? 'submitted' : r < 0.92 ? 'accepted' : r < 0.97 ? 'returned' : 'draft';
        else state = r < 0.02 ? 'submitted' : r < 0.97 ? 'accepted' : 'returned';
        const isLate = state !== 'draft' && rand() < 0.1;
        const due = Date.parse(dueAt);
        const submittedAt =
          state === 'draft' ? null : new Date(due + (isLate ? 3 : -5) * 86_400_000 + 7_200_000).toISOString();
        const reportId = id('rpt');
        batch.add('reports', {
          id: reportId,
          ...stamp,
          created_at: submittedAt ?? dueAt,
          updated_at: submittedAt ?? dueAt,
          task_id: taskId,
          unit_id: lead.id,
          period,
          state,
          narrative: '本季度按计划推进各项工作，完成阶段性目标。',
          percent_done: Math.min(100, Math.round(((p + 1) / 20) * 100)),
          confidence: pick(CONFIDENCES, rand()),
          submitted_at: submittedAt,
          is_late: isLate ? 1 : 0,
          decided_at: state === 'accepted' || state === 'returned' ? submittedAt : null,
          return_reason: state === 'returned' ? '数据需补充佐证材料' : null,
        });
        for (const target of targets) {
          const share = (p + 4) / 20;
          batch.add('readings', {
            id: id('rdg'),
            ...stamp,
            created_at: submittedAt ?? dueAt,
            updated_at: submittedAt ?? dueAt,
            target_id: target.id,
            report_id: reportId,
            period,
            value: Math.round((target.base + (target.low - target.base) * share * (0.8 + rand() * 0.4)) * 100) / 100,
            source: 'report',
          });
        }
      }
    }

    // Notices on 30 % of tasks, to the primary lead.
    if (rand() < 0.3) {
      const stateRoll = rand();
      batch.add('notices', {
        id: id('ntc'),
        ...stamp,
        task_id: taskId,
        unit_id: leads[0]?.id ?? null,
        level: pick(LEVELS, rand()),
        due_on: dateOf(2024, 60 + Math.floor(rand() * 90)),
        body: '请加快推进并报送进展。',
        state: stateRoll < 0.4 ? 'open' : stateRoll < 0.7 ? 'answered' : stateRoll < 0.95 ? 'closed' : 'escalated',
      });
    }

    // One project per task, three milestones.
    const projectId = id('prj');
    batch.add('projects', {
      id: projectId,
      ...stamp,
      task_id: taskId,
      owner_unit_id: leads[0]?.id ?? null,
      name: `${title}项目`,
      planned_start: '2021-03-01',
      planned_end: '2025-12-31',
    });
    for (let m = 0; m < 3; m++) {
      const dueOn = dateOf(2021 + Math.floor(rand() * 5), Math.floor(rand() * 365));
      const isDone = dueOn < '2024-04-20' && rand() < 0.8;
      batch.add('milestones', {
        id: id('mst'),
        ...stamp,
        project_id: projectId,
        task_id: taskId,
        name: `节点${m + 1}`,
        due_on: dueOn,
        done_on: isDone ? dueOn : null,
        frozen: closedAt === null ? 0 : 1,
        position: m,
      });
    }
  }
  await batch.flush(sink, counts);
  return planId;
}

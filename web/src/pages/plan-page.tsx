/**
 * One plan (/plans/:planId) as the tree the document writes: strand › area › task, each task with its units, due
 * date and derived state. Filters by unit, state, strand and due date, and a search that matches Chinese anywhere
 * in the number, title, headings and unit names. The table is virtualised: only the rows on screen are in the
 * page, so a plan of 2,000 tasks scrolls as fast as one of 48.
 */
import { useQuery } from '@tanstack/react-query';
import { DatePicker, Descriptions, Flex, Input, Select, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { Dayjs } from 'dayjs';
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, unwrap, type Schemas } from '../api/client';
import { QueryResult } from '../app/query-result';
import { formatDate } from '../app/format';
import { useLang } from '../app/i18n';
import { NOT_COMPUTED, TASK_STATUS_VIEW, type TaskStatus } from '../app/task-status';

type Plan = Schemas['Plan'];
type PlanTask = Schemas['PlanTask'];

interface TreeRow {
  key: string;
  kind: 'strand' | 'area' | 'task';
  title: string;
  count: number;
  task?: PlanTask;
  children?: TreeRow[];
}

interface Filters {
  unit?: string;
  status?: TaskStatus | 'none';
  strand?: string;
  due?: [Dayjs | null, Dayjs | null] | null;
  q: string;
}

async function fetchAllTasks(planId: string): Promise<PlanTask[]> {
  const tasks: PlanTask[] = [];
  let cursor: string | undefined;
  do {
    const page = await unwrap(
      api.GET('/api/plans/{id}/tasks', { params: { path: { id: planId }, query: { limit: 200, cursor } } }),
    );
    tasks.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return tasks;
}

/** The strand and area headings of a task: the two headings above it (a task right under a strand has no area). */
function headingsOf(task: PlanTask): { strand: string; area: string | null } {
  const { path } = task;
  if (path.length >= 2) return { strand: path[path.length - 2] ?? '', area: path[path.length - 1] ?? null };
  return { strand: path[0] ?? '', area: null };
}

function matches(task: PlanTask, filters: Filters): boolean {
  const { unit, status, strand, due, q } = filters;
  const units = [...task.units.lead, ...task.units.support];
  if (unit !== undefined && !units.some((u) => u.id === unit)) return false;
  if (status !== undefined && (status === 'none' ? task.status !== null : task.status !== status)) return false;
  if (strand !== undefined && headingsOf(task).strand !== strand) return false;
  if (due !== null && due !== undefined) {
    const [from, to] = due;
    if (task.dueOn === null) return false;
    if (from !== null && task.dueOn < from.format('YYYY-MM-DD')) return false;
    if (to !== null && task.dueOn > to.format('YYYY-MM-DD')) return false;
  }
  const words = q.trim().split(/\s+/).filter(Boolean);
  if (words.length > 0) {
    const haystack = [task.number, task.title, ...task.path, ...units.map((u) => u.name)].join(' ').toLowerCase();
    if (!words.every((word) => haystack.includes(word.toLowerCase()))) return false;
  }
  return true;
}

function buildTree(tasks: readonly PlanTask[]): TreeRow[] {
  const strands = new Map<string, TreeRow>();
  const areas = new Map<string, TreeRow>();
  for (const task of tasks) {
    const { strand, area } = headingsOf(task);
    let strandRow = strands.get(strand);
    if (strandRow === undefined) {
      strandRow = { key: `s:${strand}`, kind: 'strand', title: strand, count: 0, children: [] };
      strands.set(strand, strandRow);
    }
    strandRow.count += 1;
    let parent = strandRow;
    if (area !== null) {
      const areaKey = `a:${strand}\u0000${area}`;
      let areaRow = areas.get(areaKey);
      if (areaRow === undefined) {
        areaRow = { key: areaKey, kind: 'area', title: area, count: 0, children: [] };
        areas.set(areaKey, areaRow);
        strandRow.children?.push(areaRow);
      }
      areaRow.count += 1;
      parent = areaRow;
    }
    parent.children?.push({ key: task.id, kind: 'task', title: `${task.number} ${task.title}`, count: 1, task });
  }
  return [...strands.values()];
}

function groupKeys(rows: readonly TreeRow[]): string[] {
  return rows.flatMap((row) => (row.kind === 'task' ? [] : [row.key, ...groupKeys(row.children ?? [])]));
}

/** The columns' widths added up: the table fits beside the menu at 1366 px and scrolls inside itself below that. */
const TABLE_WIDTH = 1070;

export default function PlanPage() {
  const { planId = '' } = useParams();
  const plan = useQuery({
    queryKey: ['plan', planId],
    queryFn: () => unwrap(api.GET('/api/plans/{id}', { params: { path: { id: planId } } })),
  });
  return <QueryResult query={plan}>{(data) => <PlanView plan={data} />}</QueryResult>;
}

function PlanView({ plan }: { plan: Plan }) {
  const { t, lang } = useLang();
  const tasks = useQuery({ queryKey: ['plan', plan.id, 'tasks'], queryFn: () => fetchAllTasks(plan.id) });
  return (
    <>
      <Typography.Title level={1} className="page-title">
        {plan.title}
      </Typography.Title>
      <Descriptions
        size="small"
        column={{ xs: 1, md: 3 }}
        style={{ marginBottom: 16 }}
        items={[
          { key: 'doc', label: t({ zh: '文号', en: 'Document no.' }), children: plan.docNumber ?? '—' },
          { key: 'issuer', label: t({ zh: '发文机关', en: 'Issuer' }), children: plan.issuer ?? '—' },
          { key: 'issued', label: t({ zh: '发文日期', en: 'Issued' }), children: formatDate(plan.issuedOn, lang) },
        ]}
      />
      <QueryResult query={tasks}>{(items) => <TaskTree tasks={items} />}</QueryResult>
    </>
  );
}

function TaskTree({ tasks }: { tasks: readonly PlanTask[] }) {
  const { t, lang } = useLang();
  const [filters, setFilters] = useState<Filters>({ q: '' });
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());

  const options = useMemo(() => {
    const units = new Map<string, string>();
    const strands = new Set<string>();
    for (const task of tasks) {
      for (const unit of [...task.units.lead, ...task.units.support]) units.set(unit.id, unit.name);
      strands.add(headingsOf(task).strand);
    }
    return {
      units: [...units]
        .map(([value, label]) => ({ value, label }))
        .sort((a, b) => a.label.localeCompare(b.label, 'zh-CN')),
      strands: [...strands].map((value) => ({ value, label: value })),
    };
  }, [tasks]);

  const shown = useMemo(() => tasks.filter((task) => matches(task, filters)), [tasks, filters]);
  const tree = useMemo(() => buildTree(shown), [shown]);
  const expanded = useMemo(() => groupKeys(tree).filter((key) => !collapsed.has(key)), [tree, collapsed]);

  const statusOptions = [
    ...Object.entries(TASK_STATUS_VIEW).map(([value, view]) => ({ value, label: t(view) })),
    { value: 'none', label: t(NOT_COMPUTED) },
  ];

  const columns: ColumnsType<TreeRow> = [
    {
      title: t({ zh: '任务', en: 'Task' }),
      key: 'title',
      width: 470,
      render: (_value, row) =>
        row.kind === 'task' && row.task !== undefined ? (
          <Link to={`/tasks/${row.task.id}`} className="task-title">
            {row.title}
          </Link>
        ) : (
          <strong>
            {row.title}
            <span className="group-count">{t({ zh: `（${row.count} 项）`, en: ` (${row.count})` })}</span>
          </strong>
        ),
    },
    {
      title: t({ zh: '牵头单位', en: 'Lead units' }),
      key: 'lead',
      width: 200,
      render: (_value, row) => row.task?.units.lead.map((unit) => unit.name).join('、') ?? '',
    },
    {
      title: t({ zh: '配合单位', en: 'Support units' }),
      key: 'support',
      width: 170,
      render: (_value, row) => row.task?.units.support.map((unit) => unit.name).join('、') ?? '',
    },
    {
      title: t({ zh: '完成期限', en: 'Due' }),
      key: 'due',
      width: 130,
      render: (_value, row) => (row.task === undefined ? '' : formatDate(row.task.dueOn, lang)),
    },
    {
      title: t({ zh: '状态', en: 'State' }),
      key: 'status',
      width: 100,
      render: (_value, row) => {
        if (row.task === undefined) return null;
        const { status } = row.task;
        if (status === null) return <Tag>{t(NOT_COMPUTED)}</Tag>;
        const view = TASK_STATUS_VIEW[status];
        return <Tag color={view.color}>{t(view)}</Tag>;
      },
    },
  ];

  return (
    <>
      <form role="search" aria-label={t({ zh: '筛选任务', en: 'Filter tasks' })} onSubmit={(e) => e.preventDefault()}>
        <Flex gap={8} wrap="wrap" style={{ marginBottom: 12 }}>
          <Input
            allowClear
            aria-label={t({ zh: '搜索任务', en: 'Search tasks' })}
            placeholder={t({ zh: '搜索序号、标题、单位', en: 'Search number, title, unit' })}
            style={{ width: 240 }}
            value={filters.q}
            onChange={(event) => setFilters({ ...filters, q: event.target.value })}
          />
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            aria-label={t({ zh: '按单位筛选', en: 'Filter by unit' })}
            placeholder={t({ zh: '单位', en: 'Unit' })}
            style={{ width: 200 }}
            options={options.units}
            value={filters.unit}
            onChange={(unit?: string) => setFilters({ ...filters, unit })}
          />
          <Select
            allowClear
            aria-label={t({ zh: '按状态筛选', en: 'Filter by state' })}
            placeholder={t({ zh: '状态', en: 'State' })}
            style={{ width: 140 }}
            options={statusOptions}
            value={filters.status}
            onChange={(status?: TaskStatus | 'none') => setFilters({ ...filters, status })}
          />
          <Select
            allowClear
            aria-label={t({ zh: '按工作方向筛选', en: 'Filter by strand' })}
            placeholder={t({ zh: '工作方向', en: 'Strand' })}
            style={{ width: 260 }}
            options={options.strands}
            value={filters.strand}
            onChange={(strand?: string) => setFilters({ ...filters, strand })}
          />
          <DatePicker.RangePicker
            aria-label={t({ zh: '按完成期限筛选', en: 'Filter by due date' })}
            placeholder={[t({ zh: '期限自', en: 'Due from' }), t({ zh: '期限至', en: 'Due until' })]}
            value={filters.due ?? null}
            onChange={(due) => setFilters({ ...filters, due })}
          />
        </Flex>
      </form>
      <Typography.Paragraph role="status">
        {shown.length === tasks.length
          ? t({ zh: `共 ${tasks.length} 项任务`, en: `${tasks.length} tasks` })
          : t({
              zh: `显示 ${shown.length} 项，共 ${tasks.length} 项任务`,
              en: `${shown.length} of ${tasks.length} tasks`,
            })}
      </Typography.Paragraph>
      <Table<TreeRow>
        virtual
        size="small"
        rowKey="key"
        columns={columns}
        dataSource={tree}
        pagination={false}
        scroll={{ x: TABLE_WIDTH, y: 600 }}
        rowClassName={(row) => `row-${row.kind}`}
        expandable={{
          expandedRowKeys: expanded,
          onExpand: (isOpen, row) => {
            const next = new Set(collapsed);
            if (isOpen) next.delete(row.key);
            else next.add(row.key);
            setCollapsed(next);
          },
        }}
      />
    </>
  );
}

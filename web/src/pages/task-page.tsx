/**
 * One task (/tasks/:taskId) from one request (`GET /api/tasks/:id`): the header (number, title, plan › strand › area,
 * due date, units, the derived state with its reasons), the plan's own paragraph, targets as a table, projects with
 * their milestones, recent reports, notices, close-out, comments, files and the activity timeline. Each section is
 * what the API lets the reader see: a unit's reader gets only its own unit's reports and notices, and the page shows
 * what it gets. Sections stack, so a phone reads them one under the other.
 */
import { useQuery } from '@tanstack/react-query';
import { Breadcrumb, Card, Descriptions, Flex, Table, Tag, Timeline, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { formatBytes, formatDate, formatDateTime } from '../app/format';
import { localizeMessage, useLang, type Bilingual } from '../app/i18n';
import {
  ACTIVITY_VIEW,
  CLOSE_OUT_STATE_VIEW,
  NOTICE_LEVEL_VIEW,
  NOTICE_STATE_VIEW,
  REPORT_STATE_VIEW,
  TARGET_STATUS_VIEW,
} from '../app/labels';
import { QueryResult } from '../app/query-result';
import { TASK_STATUS_VIEW } from '../app/task-status';

/** As openapi-fetch gives it (its tuples widened to arrays, so not quite `Schemas['TaskPage']`). */
type TaskPageData = Awaited<ReturnType<typeof fetchTaskPage>>;
type TargetProgress = TaskPageData['targets'][number];
type Report = TaskPageData['reports'][number];
type Project = TaskPageData['projects'][number];
type Milestone = Project['milestones'][number];

function fetchTaskPage(taskId: string) {
  return unwrap(api.GET('/api/tasks/{id}', { params: { path: { id: taskId } } }));
}

export default function TaskPage() {
  const { taskId = '' } = useParams();
  const page = useQuery({
    queryKey: ['task', taskId],
    queryFn: () => fetchTaskPage(taskId),
  });
  return <QueryResult query={page}>{(data) => <TaskView page={data} />}</QueryResult>;
}

/** A section: a card with its heading as an h2, so the page's outline reads 任务 › 各部分. */
function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card size="small" className="task-section" title={<h2 className="section-title">{title}</h2>}>
      {children}
    </Card>
  );
}

/** An empty section in one line: a picture per empty section made the page three screens of nothing. */
function None({ words }: { words: Bilingual }) {
  const { t } = useLang();
  return <Typography.Text type="secondary">{t(words)}</Typography.Text>;
}

function person(name: string | null, t: (words: Bilingual) => string): string {
  return name ?? t({ zh: '系统', en: 'the system' });
}

function TaskView({ page }: { page: TaskPageData }) {
  const { t, lang } = useLang();
  const { task, status } = page;
  const view = TASK_STATUS_VIEW[status.status];
  const crumbs = [
    { title: <Link to={`/plans/${task.planId}`}>{task.planTitle}</Link> },
    ...[task.strand, task.area]
      .filter((heading): heading is string => heading !== null)
      .map((heading) => ({
        title: heading,
      })),
  ];
  const units = (list: readonly { name: string }[]) => (list.length === 0 ? '—' : list.map((u) => u.name).join('、'));

  return (
    <Flex vertical gap={16} className="task-page">
      <header>
        <Breadcrumb items={crumbs} className="task-breadcrumb" />
        <Typography.Title level={1} className="page-title task-heading">
          {task.number} {task.title}
        </Typography.Title>
        <Descriptions
          size="small"
          column={{ xs: 1, md: 2, xl: 4 }}
          items={[
            {
              key: 'status',
              label: t({ zh: '状态', en: 'State' }),
              children: <Tag color={view.color}>{t(view)}</Tag>,
            },
            { key: 'due', label: t({ zh: '完成期限', en: 'Due' }), children: formatDate(task.dueOn, lang) },
            { key: 'lead', label: t({ zh: '牵头单位', en: 'Lead units' }), children: units(task.units.lead) },
            { key: 'support', label: t({ zh: '配合单位', en: 'Support units' }), children: units(task.units.support) },
          ]}
        />
        {status.reasons.length > 0 && (
          <ul className="status-reasons" aria-label={t({ zh: '状态理由', en: 'Why this state' })}>
            {status.reasons.map((reason, index) => (
              <li key={`${reason.code}-${index}`}>{localizeMessage(reason.message, lang)}</li>
            ))}
          </ul>
        )}
      </header>

      <Section title={t({ zh: '方案原文', en: 'Text in the plan' })}>
        {task.sourceText === null ? (
          <None words={{ zh: '方案中未保存该任务的原文', en: 'The plan’s text for this task was not kept' }} />
        ) : (
          <blockquote className="source-text" lang="zh-CN">
            {task.sourceText}
          </blockquote>
        )}
      </Section>

      <Section title={t({ zh: '指标', en: 'Targets' })}>
        <TargetTable targets={page.targets} />
      </Section>

      <Section title={t({ zh: '项目与节点', en: 'Projects and milestones' })}>
        <Projects projects={page.projects} />
      </Section>

      <Section title={t({ zh: '最近报告', en: 'Recent reports' })}>
        <Reports reports={page.reports} />
      </Section>

      <Section title={t({ zh: '督办单', en: 'Notices' })}>
        <Notices notices={page.notices} />
      </Section>

      <Section title={t({ zh: '销号', en: 'Close-out' })}>
        <CloseOut closeOut={page.closeOut} />
      </Section>

      <Section title={t({ zh: '评论', en: 'Comments' })}>
        {page.comments.length === 0 ? (
          <None words={{ zh: '暂无评论', en: 'No comments' }} />
        ) : (
          <ul className="plain-list">
            {page.comments.map((comment) => (
              <li key={comment.id}>
                <Typography.Text strong>{person(comment.authorName, t)}</Typography.Text>{' '}
                <Typography.Text type="secondary">{formatDateTime(comment.createdAt, lang)}</Typography.Text>
                <Typography.Paragraph className="comment-body">{comment.body}</Typography.Paragraph>
              </li>
            ))}
          </ul>
        )}
      </Section>

      <Section title={t({ zh: '附件', en: 'Files' })}>
        {page.attachments.length === 0 ? (
          <None words={{ zh: '暂无附件', en: 'No files' }} />
        ) : (
          <ul className="plain-list">
            {page.attachments.map((file) => (
              <li key={file.id}>
                {file.name}{' '}
                <Typography.Text type="secondary">
                  {formatBytes(file.size)} · {person(file.createdByName, t)} · {formatDate(file.createdAt, lang)}
                </Typography.Text>
              </li>
            ))}
          </ul>
        )}
      </Section>

      <Section title={t({ zh: '任务动态', en: 'Activity' })}>
        {page.activity.length === 0 ? (
          <None words={{ zh: '暂无动态', en: 'No activity yet' }} />
        ) : (
          <Timeline
            className="task-activity"
            items={page.activity.map((event, index) => ({
              key: `${event.subjectId}-${event.action}-${index}`,
              content: (
                <>
                  <Typography.Text type="secondary" className="activity-at">
                    {formatDateTime(event.at, lang)}
                  </Typography.Text>{' '}
                  <Typography.Text strong>{person(event.actorName, t)}</Typography.Text>{' '}
                  {t(ACTIVITY_VIEW[event.action])}
                  {event.summary !== '' && <div className="activity-summary">{event.summary}</div>}
                </>
              ),
            }))}
          />
        )}
      </Section>
    </Flex>
  );
}

/** A target's goal as the plan writes it: ≥ 1000 亿元, or 20–30 % for a range. */
function goalOf(target: TargetProgress['target']): string {
  const { comparator, value, unit } = target;
  if (Array.isArray(value)) return `${value[0]}–${value[1]} ${unit}`;
  const sign = { '>=': '≥', '<=': '≤', '=': '', '>': '>', range: '' }[comparator];
  return `${sign} ${value} ${unit}`.trim();
}

function TargetTable({ targets }: { targets: readonly TargetProgress[] }) {
  const { t } = useLang();
  if (targets.length === 0) return <None words={{ zh: '暂无可查看的指标', en: 'No targets to show' }} />;
  const columns: ColumnsType<TargetProgress> = [
    {
      title: t({ zh: '指标', en: 'Target' }),
      key: 'text',
      render: (_value, row) => (
        <>
          <div>{row.target.text}</div>
          <Typography.Text type="secondary">
            {t({ zh: '目标', en: 'Goal' })} {goalOf(row.target)}
          </Typography.Text>
        </>
      ),
    },
    {
      title: t({ zh: '基期值', en: 'Baseline' }),
      key: 'baseline',
      render: (_value, row) =>
        row.baseline === null ? '—' : `${row.baseline.value} ${row.target.unit}（${row.baseline.period}）`,
    },
    {
      title: t({ zh: '最新读数', en: 'Latest reading' }),
      key: 'latest',
      render: (_value, row) => {
        const latest = row.readings.at(-1);
        return latest === undefined ? '—' : `${latest.value} ${row.target.unit}（${latest.period}）`;
      },
    },
    {
      title: t({ zh: '进展评估', en: 'Assessment' }),
      key: 'assessment',
      render: (_value, row) => {
        if (row.assessment === null) return '—';
        const view = TARGET_STATUS_VIEW[row.assessment.status];
        return (
          <>
            <Tag color={view.color}>{t(view)}</Tag>
            {row.assessment.reasons.map((reason) => (
              <div key={reason.code} className="target-reason">
                {reason.message}
              </div>
            ))}
          </>
        );
      },
    },
  ];
  return (
    <Table<TargetProgress>
      className="target-table"
      size="small"
      rowKey={(row) => row.target.id}
      columns={columns}
      dataSource={targets}
      pagination={false}
      // No inner scroll: the cells wrap, so a phone shows the whole table without a region to scroll by keyboard.
      tableLayout="auto"
    />
  );
}

function Projects({ projects }: { projects: readonly Project[] }) {
  const { t, lang } = useLang();
  if (projects.length === 0) return <None words={{ zh: '暂无项目', en: 'No projects' }} />;
  return (
    <ul className="plain-list">
      {projects.map((project) => (
        <li key={project.id}>
          <Typography.Text strong>{project.name}</Typography.Text>{' '}
          <Typography.Text type="secondary">
            {[
              project.ownerUnit?.name,
              // A project without planned dates says nothing about them, rather than "— —".
              project.plannedStart === null && project.plannedEnd === null
                ? undefined
                : `${formatDate(project.plannedStart, lang)} — ${formatDate(project.plannedEnd, lang)}`,
            ]
              .filter((part) => part !== undefined)
              .join(' · ')}
          </Typography.Text>
          {project.milestones.length > 0 && (
            <ul className="milestones">
              {project.milestones.map((milestone: Milestone) => (
                <li key={milestone.id}>
                  {milestone.name}：{t({ zh: '期限', en: 'due' })} {formatDate(milestone.dueOn, lang)}
                  {milestone.doneOn === null ? (
                    <Tag className="inline-tag">{t({ zh: '未完成', en: 'Open' })}</Tag>
                  ) : (
                    <Tag className="inline-tag" color="#237804">
                      {t({ zh: `已于 ${formatDate(milestone.doneOn, lang)} 完成`, en: 'Done' })}
                    </Tag>
                  )}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}

function Reports({ reports }: { reports: readonly Report[] }) {
  const { t } = useLang();
  if (reports.length === 0) return <None words={{ zh: '暂无可查看的报告', en: 'No reports to show' }} />;
  return (
    // The report page comes later: the rows name the report, and link nowhere yet.
    <ul className="plain-list reports">
      {reports.map((report) => {
        const view = REPORT_STATE_VIEW[report.state];
        return (
          <li key={report.id}>
            <Tag color={view.color}>{t(view)}</Tag>
            <span>
              {report.periodLabel} · {report.unitName} · {person(report.createdByName, t)}
              {report.isLate && <span className="late-mark">{t({ zh: '（逾期）', en: ' (late)' })}</span>}
            </span>
            {report.returnReason !== null && (
              <div className="report-reason">
                {t({ zh: '退回理由：', en: 'Returned: ' })}
                {report.returnReason}
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function Notices({ notices }: { notices: TaskPageData['notices'] }) {
  const { t, lang } = useLang();
  if (notices.length === 0) return <None words={{ zh: '暂无督办单', en: 'No notices' }} />;
  return (
    <ul className="plain-list">
      {notices.map((notice) => {
        const level = NOTICE_LEVEL_VIEW[notice.level];
        return (
          <li key={notice.id}>
            <Tag color={level.color}>{t(level)}</Tag>
            <Tag>{t(NOTICE_STATE_VIEW[notice.state])}</Tag>
            <span>
              {notice.unitName} · {t({ zh: '期限', en: 'due' })} {formatDate(notice.dueOn, lang)} ·{' '}
              {person(notice.issuedByName, t)}
            </span>
            <div className="notice-body">{notice.body}</div>
            {notice.response !== null && (
              <div className="notice-response">
                {t({ zh: '回复：', en: 'Response: ' })}
                {notice.response}
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function CloseOut({ closeOut }: { closeOut: TaskPageData['closeOut'] }) {
  const { t, lang } = useLang();
  const { current } = closeOut;
  if (current === null) return <None words={{ zh: '尚未申请销号', en: 'No close-out requested' }} />;
  return (
    <Descriptions
      size="small"
      column={1}
      items={[
        { key: 'state', label: t({ zh: '状态', en: 'State' }), children: t(CLOSE_OUT_STATE_VIEW[current.state]) },
        {
          key: 'requested',
          label: t({ zh: '申请', en: 'Requested' }),
          children: `${person(current.requestedByName, t)} · ${formatDateTime(current.requestedAt, lang)}`,
        },
        { key: 'evidence', label: t({ zh: '完成情况', en: 'Evidence' }), children: current.evidence },
        ...(current.decidedAt === null
          ? []
          : [
              {
                key: 'decided',
                label: t({ zh: '审批', en: 'Decided' }),
                children: `${person(current.decidedByName, t)} · ${formatDateTime(current.decidedAt, lang)}${
                  current.reason === null ? '' : `：${current.reason}`
                }`,
              },
            ]),
      ]}
    />
  );
}

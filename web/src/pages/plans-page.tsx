/** The workspace's plans (/plans): a sortable table, newest first, each linking to its plan page. */
import { useQuery } from '@tanstack/react-query';
import { Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { Link } from 'react-router';
import { api, unwrap, type Schemas } from '../api/client';
import { QueryResult } from '../app/query-result';
import { formatDate } from '../app/format';
import { useLang } from '../app/i18n';

type Plan = Schemas['Plan'];

/** Every plan, page after page (a workspace has a handful; the API pages by 200 at most). */
async function fetchAllPlans(): Promise<Plan[]> {
  const plans: Plan[] = [];
  let cursor: string | undefined;
  do {
    const page = await unwrap(api.GET('/api/plans', { params: { query: { limit: 200, cursor } } }));
    plans.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return plans;
}

const compareText = (a: string | null, b: string | null) => (a ?? '').localeCompare(b ?? '', 'zh-CN');

export default function PlansPage() {
  const { t, lang } = useLang();
  const plans = useQuery({ queryKey: ['plans'], queryFn: fetchAllPlans });

  const columns: ColumnsType<Plan> = [
    {
      title: t({ zh: '方案名称', en: 'Title' }),
      dataIndex: 'title',
      sorter: (a, b) => compareText(a.title, b.title),
      render: (_value, plan) => <Link to={`/plans/${encodeURIComponent(plan.id)}`}>{plan.title}</Link>,
    },
    {
      title: t({ zh: '文号', en: 'Document no.' }),
      dataIndex: 'docNumber',
      sorter: (a, b) => compareText(a.docNumber, b.docNumber),
      render: (value: string | null) => value ?? '—',
    },
    {
      title: t({ zh: '发文机关', en: 'Issuer' }),
      dataIndex: 'issuer',
      responsive: ['md'],
      render: (value: string | null) => value ?? '—',
    },
    {
      title: t({ zh: '发文日期', en: 'Issued' }),
      dataIndex: 'issuedOn',
      sorter: (a, b) => compareText(a.issuedOn, b.issuedOn),
      render: (value: string | null) => formatDate(value, lang),
    },
    {
      title: t({ zh: '期限', en: 'Horizon' }),
      key: 'horizon',
      responsive: ['lg'],
      render: (_value, plan) =>
        plan.startYear === null ? '—' : `${plan.startYear}–${plan.endYear ?? ''}${lang === 'zh' ? '年' : ''}`,
    },
    {
      title: t({ zh: '状态', en: 'State' }),
      key: 'published',
      render: (_value, plan) =>
        plan.published ? (
          <Tag color="green">{t({ zh: '已公开', en: 'Published' })}</Tag>
        ) : (
          <Tag>{t({ zh: '未公开', en: 'Not published' })}</Tag>
        ),
    },
    {
      title: t({ zh: '导入时间', en: 'Imported' }),
      dataIndex: 'createdAt',
      defaultSortOrder: 'descend',
      sorter: (a, b) => compareText(a.createdAt, b.createdAt),
      render: (value: string) => formatDate(value, lang),
    },
  ];

  return (
    <>
      <Typography.Title level={1} className="page-title">
        {t({ zh: '实施方案', en: 'Plans' })}
      </Typography.Title>
      <QueryResult query={plans}>
        {(items) => (
          <Table<Plan>
            rowKey="id"
            columns={columns}
            dataSource={items}
            pagination={items.length > 20 ? { pageSize: 20 } : false}
            scroll={{ x: 'max-content' }}
          />
        )}
      </QueryResult>
    </>
  );
}

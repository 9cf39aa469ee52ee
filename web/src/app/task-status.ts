/** The derived task states of the API (src/domain/task-status.ts) as the interface names and colours them. */
import type { Schemas } from '../api/client';
import type { Bilingual } from './i18n';

export type TaskStatus = NonNullable<Schemas['PlanTask']['status']>;

export const TASK_STATUS_VIEW: Readonly<Record<TaskStatus, Bilingual & { color: string }>> = {
  'not-started': { zh: '未启动', en: 'Not started', color: 'default' },
  'on-track': { zh: '正常推进', en: 'On track', color: 'green' },
  'at-risk': { zh: '存在风险', en: 'At risk', color: 'gold' },
  'off-track': { zh: '严重滞后', en: 'Off track', color: 'red' },
  overdue: { zh: '已逾期', en: 'Overdue', color: 'volcano' },
  closed: { zh: '已销号', en: 'Closed', color: 'blue' },
};

export const NOT_COMPUTED: Bilingual = { zh: '待计算', en: 'Not computed' };

/** The derived task states of the API (src/domain/task-status.ts) as the interface names and colours them. */
import type { Schemas } from '../api/client';
import type { Bilingual } from './i18n';

export type TaskStatus = NonNullable<Schemas['PlanTask']['status']>;

/**
 * Colours of the state tags: Ant Design's green, gold, red, volcano and blue at their darker steps, so that the
 * white text on them passes WCAG AA contrast (the light preset tags do not, gold least of all).
 */
export const TASK_STATUS_VIEW: Readonly<Record<TaskStatus, Bilingual & { color: string }>> = {
  'not-started': { zh: '未启动', en: 'Not started', color: 'default' },
  'on-track': { zh: '正常推进', en: 'On track', color: '#237804' },
  'at-risk': { zh: '存在风险', en: 'At risk', color: '#874d00' },
  'off-track': { zh: '严重滞后', en: 'Off track', color: '#a8071a' },
  overdue: { zh: '已逾期', en: 'Overdue', color: '#871400' },
  closed: { zh: '已销号', en: 'Closed', color: '#0050b3' },
};

export const NOT_COMPUTED: Bilingual = { zh: '待计算', en: 'Not computed' };

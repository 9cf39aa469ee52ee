/** The roles of the API (src/http/schemas/actor.ts) as the interface names them, and what each may open. */
import type { Bilingual } from './i18n';
import type { Schemas } from '../api/client';

export type RoleCode = Schemas['CurrentActor']['roles'][number];

export const ROLE_NAMES: Readonly<Record<RoleCode, Bilingual>> = {
  office: { zh: '方案办公室', en: 'Plan office' },
  'unit-reporter': { zh: '单位填报人', en: 'Unit reporter' },
  'unit-approver': { zh: '单位审核人', en: 'Unit approver' },
  leader: { zh: '领导', en: 'Leader' },
  supervisor: { zh: '督查', en: 'Supervisor' },
  public: { zh: '公众', en: 'Public' },
  'system-admin': { zh: '系统管理员', en: 'System administrator' },
  'security-admin': { zh: '安全管理员', en: 'Security administrator' },
  'audit-admin': { zh: '审计管理员', en: 'Audit administrator' },
};

/** Who reads plans (src/policies/plan.policy.ts `canViewPlan`; the public sees published plans only). */
const PLAN_READERS: readonly RoleCode[] = [
  'office',
  'unit-reporter',
  'unit-approver',
  'leader',
  'supervisor',
  'public',
];

export function canReadPlans(roles: readonly RoleCode[]): boolean {
  return roles.some((role) => PLAN_READERS.includes(role));
}

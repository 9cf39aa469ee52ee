/**
 * A plan's war board (挂图作战): the one answer a leader's screen is drawn from. Shared with the web client: this
 * file imports nothing but zod and its own folder.
 */
import { z } from 'zod';
import { CLOSE_OUT_REQUEST_STATES } from './close-outs.ts';
import { NOTICE_LEVELS } from './notices.ts';
import { TASK_STATUSES } from './plans.ts';
import { idSchema, REPORT_STATES } from '../../domain/vocabulary.ts';
import { reportingPeriodSchema } from './reports.ts';

export const TARGET_STATUSES = ['met', 'on-track', 'behind', 'off-track', 'no-data'] as const;

const count = z.number().int().min(0);

function countsOf<const K extends readonly [string, ...string[]]>(keys: K) {
  return z.object(Object.fromEntries(keys.map((key) => [key, count])) as { [P in K[number]]: typeof count });
}

const statusBreakdown = {
  total: count.describe('现行任务数（tasks in force）'),
  byStatus: countsOf(TASK_STATUSES).describe('按推导状态（缓存）计数（by cached derived status）'),
  noStatus: count.describe('尚未计算状态的任务数（status not computed yet）'),
};

export const reportSlotCountsSchema = z
  .object({
    expected: count.describe('应报：各牵头单位 × 现行任务（one per lead unit and task）'),
    submitted: count.describe('已报送（reached the office）'),
    accepted: count.describe('已采纳'),
    returned: count.describe('被退回、尚未重新报送'),
    awaitingReview: count.describe('待办公室审阅（awaiting the office）'),
    late: count.describe('逾期报送（submitted late）'),
    missing: count.describe('未报送；报告期截止后即为缺报（not yet at the office）'),
  })
  .meta({ id: 'ReportSlotCounts', description: '报告期的应报与实报（a period’s report slots）' });

const periodReportsSchema = z.object({
  period: reportingPeriodSchema,
  slots: reportSlotCountsSchema,
  byState: countsOf(REPORT_STATES).describe('该期全部报告按状态（every report of the period, by state）'),
  late: count,
});

const noticeLevelCounts = countsOf(NOTICE_LEVELS);

export const planDashboardSchema = z
  .object({
    planId: z.string(),
    title: z.string(),
    asOf: z.string().describe('统计时刻（the instant the figures are as of）'),
    timeZone: z.string(),
    today: z.iso.date().describe('工作区时区的当天日期（today, local）'),
    periods: z.object({
      current: reportingPeriodSchema
        .nullable()
        .describe('本报告期：最近已结束、各单位正在报送的一期；首期结束前为 null（the period being reported on）'),
      previous: reportingPeriodSchema.nullable(),
    }),
    tasks: z.object({
      ...statusBreakdown,
      statusComputedAt: z
        .object({ oldest: z.string().nullable(), newest: z.string().nullable() })
        .describe('状态缓存的计算时间（when the cached statuses were computed）'),
    }),
    strands: z
      .array(
        z.object({
          nodeId: z.string().nullable().describe('工作方向节点；不属于任何方向的任务为 null'),
          number: z.string(),
          title: z.string(),
          ...statusBreakdown,
        }),
      )
      .describe('按原文顺序的工作方向（strands in document order）'),
    units: z
      .array(
        z.object({
          unitId: z.string(),
          name: z.string(),
          tasksLed: count.describe('牵头的现行任务数'),
          ...statusBreakdown,
          reports: reportSlotCountsSchema
            .nullable()
            .describe('本报告期的报送情况（its reports for the current period）'),
          notices: z.object({
            open: noticeLevelCounts.describe('未办结的督办单，按级别'),
            overdue: count.describe('逾期未回复的督办单'),
          }),
        }),
      )
      .describe('牵头单位（及有未办结督办单的单位），按名称（lead units, by name）'),
    reports: z.object({ current: periodReportsSchema.nullable(), previous: periodReportsSchema.nullable() }),
    notices: z.object({
      open: noticeLevelCounts.describe('未办结（待回复或已回复未办结），按级别'),
      awaitingResponse: count.describe('待回复'),
      overdue: count.describe('逾期未回复'),
    }),
    closeOuts: countsOf(CLOSE_OUT_REQUEST_STATES).describe('销号申请，按状态（close-outs by state）'),
    milestones: z.object({
      total: count,
      done: count,
      overdue: count.describe('逾期未完成（已销号任务的节点除外）'),
      dueSoon: count.describe('今天至 dueSoonUntil 到期、尚未完成'),
      dueSoonUntil: z.iso.date(),
    }),
    targets: z.object({
      total: count,
      withReading: count.describe('已有有效填报数据'),
      unassessed: count.describe('无完成期限或数据无法评估'),
      byStatus: countsOf(TARGET_STATUSES).describe('最近已结束报告期的评估（met 已完成 … no-data 暂无数据）'),
    }),
  })
  .meta({ id: 'PlanDashboard', description: '方案挂图作战汇总（a plan’s war board）' });

export type PlanDashboardResponse = z.input<typeof planDashboardSchema>;

export const dashboardParamsSchema = z.object({ id: idSchema });

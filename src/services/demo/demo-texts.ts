/**
 * The words of the demo's simulated activity: report narratives, reasons, answers and comments, as plan offices
 * and units write them. Chosen by the seeded PRNG, so the same seed writes the same text.
 */
import type { DemoRandom } from './random.ts';

export const NARRATIVES = [
  '本期按照年度工作计划推进，{title}各项工作有序开展，已完成阶段性目标。',
  '围绕“{title}”，本期召开专题推进会 {n} 次，协调解决重点问题，整体进度符合预期。',
  '本期重点推进{title}相关前期工作，完成方案深化和要素保障对接。',
  '{title}按计划实施，本期完成投资和建设任务，形成阶段性成果。',
  '本期对照任务清单逐项落实，{title}完成年度任务的主要部分。',
] as const;

export const PROBLEMS = [
  '土地指标和规划调整审批周期较长，影响后续开工。',
  '资金到位滞后，部分子项目推进放缓。',
  '涉及多个部门协调，前期手续办理进度慢于预期。',
  '受市场环境影响，招商引资项目落地节奏放缓。',
  '专业人才短缺，运营团队尚未完全到位。',
] as const;

export const NEXT_STEPS = [
  '下一步将加强与市级部门对接，加快审批手续办理。',
  '下一步将细化节点计划，倒排工期，确保按期完成。',
  '下一步将完善工作机制，定期调度，及时解决推进中的问题。',
  '下一步将做好年度考核准备，梳理佐证材料。',
] as const;

/** 单位审核退回 (the unit's approver sends a report back). */
export const SEND_BACK_REASONS = [
  '数据口径与上期不一致，请核实后修改。',
  '进展描述过于笼统，请补充具体完成情况。',
  '问题和下一步举措未填写完整，请补充。',
] as const;

/** 退回修改 (the plan office returns a submitted report). */
export const RETURN_REASONS = [
  '指标数据缺少来源说明，请补充统计口径后重新报送。',
  '完成进度与节点计划不符，请说明原因并补充佐证材料。',
  '报告未反映协同单位推进情况，请补充后重新报送。',
  '存在的问题分析不够深入，请细化并提出针对性措施。',
] as const;

export const REVISION_NOTES = [
  '已按退回意见补充数据来源和统计口径，请审核。',
  '已补充节点推进情况和佐证材料，请审核。',
  '已细化问题分析和下一步措施，请审核。',
] as const;

export const NOTICE_BODIES = {
  report: '{title}{period}进展报告逾期未报，请于期限内报送并说明原因。',
  milestone: '{title}的节点“{milestone}”已逾期，请说明原因并报送整改计划。',
  escalated: '前次督办未按期回复，{title}相关工作仍未落实，请加快办理并书面回复。',
} as const;

export const NOTICE_RESPONSES = [
  '已收悉，我单位已召开专题会研究部署，将于期限内完成报送。',
  '情况说明：因前期手续办理延误导致滞后，现已制定整改计划，倒排工期推进。',
  '已落实专人负责，相关材料已补充报送，请审阅。',
  '已完成整改，后续将按期报送进展。',
] as const;

export const LEADER_COMMENTS = [
  '请加快推进，确保年底前完成节点目标。',
  '这项工作群众关注度高，请各单位加强协同。',
  '进展较好，请及时总结经验做法。',
  '请方案办公室跟踪督促，下次专题会汇报。',
] as const;

export const UNIT_COMMENTS = [
  '本单位已安排专人对接，相关问题正在协调解决。',
  '补充说明：统计数据以区统计局最新公布口径为准。',
  '已与协同单位沟通，联合推进相关工作。',
] as const;

export const CLOSE_OUT_EVIDENCE = [
  '任务已全部完成：项目竣工验收报告、运营情况说明及相关批复文件已上传归档，各节点均已按期完成。',
  '各项建设内容均已完成并投入使用，附竣工验收备案表、审计报告及成效评估材料。',
] as const;

export const CLOSE_OUT_REJECTIONS = [
  '佐证材料未包含竣工验收报告，请补充后重新申请。',
  '部分指标尚未达到方案要求，暂不予销号。',
] as const;

export const REOPEN_REASONS = ['专项检查发现配套设施尚未移交运营单位，重新打开任务跟踪整改。'] as const;

export const MILESTONE_NAMES: Readonly<Record<number, readonly string[]>> = {
  2: ['完成实施方案编制', '完成建设并投入使用'],
  3: ['完成实施方案编制', '完成立项和前期手续', '完成建设并投入使用'],
  4: ['完成实施方案编制', '完成立项和前期手续', '开工建设', '竣工验收并投入使用'],
};

/** A text with `{key}` holes filled. */
export function fill(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => String(values[key] ?? whole));
}

/** One of the texts, filled. */
export function pickText(
  random: DemoRandom,
  texts: readonly string[],
  values: Readonly<Record<string, string | number>> = {},
): string {
  return fill(random.pick(texts), values);
}

/**
 * The readable task ledger (任务分解表) that `luoshi parse FILE` prints: metadata, goals, then each task with its
 * units and targets; doubtful items are marked with "？" and listed at the end.
 */
import type { PlanDraft, Target } from '../domain/plan-draft.ts';

const COMPARATOR_WORDS: Record<Target['comparator'], string> = {
  '>=': '≥',
  '<=': '≤',
  '=': '约',
  '>': '>',
  range: '',
};

/** One target as a short phrase: "≥800亿元（2025年）". */
export function formatTarget(t: Target): string {
  const value = Array.isArray(t.value) ? `${t.value[0]}–${t.value[1]}` : String(t.value);
  const when = [t.period ? `${t.period}累计` : t.cumulative ? '累计' : '', t.deadline ? `${t.deadline}年` : '']
    .filter(Boolean)
    .join('，');
  const base = t.baseline ? `，基数${t.baseline.value}${t.baseline.year ? `（${t.baseline.year}年）` : ''}` : '';
  return `${COMPARATOR_WORDS[t.comparator]}${value}${t.unit}${when ? `（${when}）` : ''}${base}`;
}

/** Renders a draft as plain text, one block per task. */
export function formatLedger(draft: PlanDraft): string {
  const out: string[] = [];
  const doubtful = new Set(draft.warnings.map((w) => w.at));
  out.push(draft.title ?? '（未识别标题）');
  out.push(
    [draft.docNumber, draft.issuer, draft.date].map((v) => v ?? '？').join('  ') + `  共 ${draft.tasks.length} 项任务`,
  );
  for (const goal of draft.goals) {
    if (goal.targets.length === 0) continue;
    out.push('', `目标：${goal.title}`);
    for (const t of goal.targets) out.push(`  · ${t.text} → ${formatTarget(t)}`);
  }
  let lastPath = '';
  for (const task of draft.tasks) {
    const path = task.path.join(' › ');
    if (path !== lastPath) {
      out.push('', path || '（无上级标题）');
      lastPath = path;
    }
    const mark = doubtful.has(task.source.start) ? '？' : ' ';
    out.push(`${mark} ${task.number || '·'} ${task.title}`);
    const lead = task.units.lead.join('、') || '？未写';
    const support = task.units.support.length ? `；配合：${task.units.support.join('、')}` : '';
    out.push(
      `      牵头：${lead}${support}${task.unitsInherited ? '（沿用上级）' : ''}${task.due ? `；时限：${task.due}` : ''}`,
    );
    for (const t of task.targets) out.push(`      指标：${t.text} → ${formatTarget(t)}`);
  }
  if (draft.warnings.length > 0) {
    out.push('', `需核对（${draft.warnings.length}）：`);
    for (const w of draft.warnings) out.push(`  ？ ${w.message}`);
  }
  return out.join('\n') + '\n';
}

/**
 * The naive baseline issue 12 asks the corpus score to stand beside: a numbered line is a task, its last bracket
 * its units, a number followed by 以上 (or after 达到/突破) a target. No tree, no tables, no metadata: what the
 * parser's rules must beat to be worth their weight.
 */
import type { PlanDraft, TaskDraft, Target } from '../src/domain/plan-draft.ts';

const NUMBERED =
  /^\s*(?:#{1,6}\s+)?(?:\*\*)?([一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)]|\d{1,3}[.．、]|[（(]\d{1,3}[）)])/;
const LAST_BRACKET = /[（(]([^（）()]*)[）)][。；;]?\s*(?:\*\*)?\s*$/;
const TARGET =
  /(?:达到|突破)\s*(\d+(?:\.\d+)?)\s*(%|[^\d\s，。；、,]{1,3})|(\d+(?:\.\d+)?)\s*(%|[^\d\s，。；、,]{1,3}?)以上/g;

function naiveTargets(text: string): Target[] {
  const out: Target[] = [];
  for (const m of text.matchAll(TARGET)) {
    const value = Number(m[1] ?? m[3]);
    const unit = m[2] ?? m[4] ?? '';
    out.push({ text: m[0], value, unit, comparator: '>=', deadline: null });
  }
  return out;
}

/** Parses a plan the naive way. */
export function naiveParse(text: string): PlanDraft {
  const tasks: TaskDraft[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const start = offset;
    offset += line.length + 1;
    const m = NUMBERED.exec(line);
    if (!m) continue;
    const rest = line.slice(m[0].length).replace(/\*\*/g, '');
    const bracket = LAST_BRACKET.exec(rest);
    const names = (bracket?.[1] ?? '')
      .replace(/^[^：:]*[：:]/, '')
      .split(/[、，,；;]/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
    tasks.push({
      number: (m[1] ?? '').trim(),
      path: [],
      title: rest.split(/[。；]/)[0]?.trim() ?? '',
      units: { lead: names, support: [] },
      targets: naiveTargets(rest),
      source: { start, end: start + line.length },
    });
  }
  return { title: null, docNumber: null, issuer: null, date: null, goals: [], tasks, warnings: [] };
}

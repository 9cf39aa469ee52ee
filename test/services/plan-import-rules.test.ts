// The pure rules behind plan import: unit kinds, the horizon and due-date guesses, task keys and title matching.
import { describe, expect, it } from 'vitest';
import type { PlanDraft } from '../../src/domain/plan-draft.ts';
import { dueDateOf, guessHorizon } from '../../src/services/plan-draft-document.ts';
import { taskKey, titleSimilarity } from '../../src/services/plan-diff.ts';
import { guessUnitKind } from '../../src/services/plan-units.ts';

function draft(overrides: Partial<PlanDraft>): PlanDraft {
  return { title: null, docNumber: null, issuer: null, date: null, goals: [], tasks: [], warnings: [], ...overrides };
}

describe('guessUnitKind', () => {
  it.each([
    ['枫泾镇', 'town'],
    ['石化街道办事处', 'subdistrict'],
    ['石化街道', 'subdistrict'],
    ['金山城投集团', 'soe'],
    ['新城区发展公司', 'soe'],
    ['区经委', 'bureau'],
    ['区文旅局', 'bureau'],
    ['区政务服务办', 'bureau'],
    ['区委组织部', 'party'],
    ['区总工会', 'mass-org'],
    ['区城市运行中心', 'other'],
  ])('%s → %s', (name, kind) => {
    expect(guessUnitKind(name)).toBe(kind);
  });
});

describe('guessHorizon', () => {
  it('reads a five-year plan from the title or the headings, and the vision year from the text', () => {
    expect(guessHorizon(draft({ title: '“十四五”规划实施方案' }), '到2035年，基本建成')).toEqual({
      startYear: 2021,
      endYear: 2025,
      visionYear: 2035,
    });
    expect(guessHorizon(draft({ title: '十三五期间行动方案' }), '')).toEqual({
      startYear: 2016,
      endYear: 2020,
      visionYear: null,
    });
  });

  it('falls back on the latest deadline, from the year of issue', () => {
    const target = { text: '到2023年达到10个', value: 10, unit: '个', comparator: '>=' as const, deadline: '2023' };
    const task = {
      number: '1.',
      path: [],
      title: '任务',
      units: { lead: [], support: [] },
      targets: [target, { ...target, deadline: '2024' }],
      source: { start: 0, end: 1 },
    };
    expect(guessHorizon(draft({ date: '2022-03-01', tasks: [task] }), '')).toEqual({
      startYear: 2022,
      endYear: 2024,
      visionYear: null,
    });
    expect(guessHorizon(draft({}), '')).toEqual({ startYear: null, endYear: null, visionYear: null });
  });
});

describe('dueDateOf', () => {
  it.each([
    ['2021年6月底', null, '2021-06-30'],
    ['2022年2月', null, '2022-02-28'],
    ['2021年10月1日前', null, '2021-10-01'],
    ['2022年底', null, '2022-12-31'],
    ['9月底前完成', '2021-06-02', '2021-09-30'],
    ['3月底前完成', '2021-06-02', '2022-03-31'],
    ['长期坚持', '2021-06-02', null],
    [null, '2021-06-02', null],
  ])('%s (issued %s) → %s', (due, issued, expected) => {
    expect(dueDateOf(due, issued)).toBe(expected);
  });
});

describe('task keys and title similarity', () => {
  it('keys ignore width and spacing', () => {
    expect(taskKey('（11）', '打造千亿级 高端绿色化工产业集群')).toBe(
      taskKey('(11)', '打造千亿级高端绿色化工产业集群'),
    );
  });

  it('scores a renamed task high and a different one low', () => {
    expect(titleSimilarity('打造千亿级高端绿色化工产业集群', '打造千亿级绿色化工产业集群')).toBeGreaterThan(0.8);
    expect(titleSimilarity('强化河海空联运', '发展低空经济')).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { findUnitClauses, readLabelLine, resolveUnits, splitUnitList } from '../../src/importer/parse/units.ts';

const unitsOf = (text: string, firstListed = false) => {
  const { lead, support } = resolveUnits(findUnitClauses(text), firstListed);
  return { lead, support };
};

describe('unit clauses', () => {
  it.each([
    ['（牵头协调单位：新城区发展公司、区文旅局）', ['新城区发展公司', '区文旅局'], []],
    ['（牵头单位：区发改委；配合单位：区财政局、区经委）', ['区发改委'], ['区财政局', '区经委']],
    ['（牵头单位：区发改委、区经委，配合单位：区财政局）', ['区发改委', '区经委'], ['区财政局']],
    ['（责任单位：区教育局、区卫健委）', ['区教育局', '区卫健委'], []],
    ['（牵头单位：区发改委；责任单位：区财政局）', ['区发改委'], ['区财政局']],
    ['（区发改委牵头，区财政局配合）', ['区发改委'], ['区财政局']],
    ['（区交通委负责）', ['区交通委'], []],
    ['（区科委牵头，区经委、区教育局参与）', ['区科委'], ['区经委', '区教育局']],
    ['（区发改委牵头，各相关部门按职责分工负责）', ['区发改委'], ['各相关部门']],
    ['（市发改委、市商务局指导，各区负责）', ['各区'], ['市发改委', '市商务局']],
    ['（区民政局会同区财政局负责）', ['区民政局'], ['区财政局']],
    ['（2023年6月底前完成，牵头单位：区商务委）', ['区商务委'], []],
    ['（牵头单位：区\n经委、区投资促进办)', ['区经委', '区投资促进办'], []],
    // 组织落实 beside a lead supports; without any lead it leads.
    ['（市交通委牵头负责，市公安局、各区政府组织落实）', ['市交通委'], ['市公安局', '各区政府']],
    ['（市水务局、各区政府组织落实）', ['市水务局', '各区政府'], []],
    // The two parts parted by 、 instead of ，.
    ['（市卫健委牵头负责、市民政局、各区政府组织落实）', ['市卫健委'], ['市民政局', '各区政府']],
    // 按职责分工负责落实 answers for a share, as a 责任单位 does: lead beside a unit that only 组织落实.
    ['（市商务委、市财政局按职责分工负责落实，各区政府组织落实）', ['市商务委', '市财政局'], ['各区政府']],
    ['（市科委牵头负责、市经信委按职责牵头负责，各区政府组织落实）', ['市科委', '市经信委'], ['各区政府']],
  ])('%s', (text, lead, support) => {
    expect(unitsOf(text.replace('\n', ''))).toEqual({ lead, support });
  });

  it('reads the deadline written in the same bracket', () => {
    expect(resolveUnits(findUnitClauses('（6月底完成，牵头单位：区商务委）'), false).due).toBe('6月底完成');
  });

  it('joins the clauses of one task in written order', () => {
    expect(unitsOf('推进甲。（责任单位：区经委）推进乙。（责任单位：区科委、区经委）')).toEqual({
      lead: ['区经委', '区科委'],
      support: [],
    });
  });

  it('lets the first-listed unit lead when the plan says so', () => {
    expect(unitsOf('（责任单位：区商务委、区财政局、区经委）', true)).toEqual({
      lead: ['区商务委'],
      support: ['区财政局', '区经委'],
    });
  });

  it.each(['（金山）', '（AMOLED）', '（上海）', '（一条老字号商业街、一座老品牌产业园）', '（政府引导，市场运作）'])(
    'does not read %s as units',
    (text) => {
      expect(findUnitClauses(text)).toEqual([]);
    },
  );

  it('keeps groups such as 各区、县级市 whole', () => {
    expect(splitUnitList('市工信局、各区、县级市人民政府')).toEqual(['市工信局', '各区、县级市人民政府']);
    expect(splitUnitList('各镇、区发改委')).toEqual(['各镇', '区发改委']);
    // An open tail is not a unit.
    expect(splitUnitList('区财政局、区水务局等有关部门和单位')).toEqual(['区财政局', '区水务局']);
    expect(splitUnitList('区民政局等相关部门，各街道')).toEqual(['区民政局', '各街道']);
    // A compound group (各街镇) is complete: what follows is a unit of its own.
    expect(splitUnitList('区水务局、各街镇、开发区')).toEqual(['区水务局', '各街镇', '开发区']);
  });

  it('reads units written on a line of their own', () => {
    const clause = readLabelLine('牵头单位：县农业农村局；配合单位：县财政局、县水利局');
    expect(clause && resolveUnits([clause], false)).toMatchObject({
      lead: ['县农业农村局'],
      support: ['县财政局', '县水利局'],
    });
  });
});

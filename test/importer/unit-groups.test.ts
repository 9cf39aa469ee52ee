// Unit groups (单位组): the placeholders a plan writes for a list of bodies, told apart from one body's name.
import { describe, expect, it } from 'vitest';
import { isUnitGroup, markUnitGroups } from '../../src/importer/parse/unit-groups.ts';
import { parsePlan } from '../../src/importer/parse/index.ts';

describe('unit groups', () => {
  it.each([
    '各区、县级市',
    '各有关单位',
    '各项目牵头单位',
    '各街道、镇',
    '各镇（街道）',
    '各市、县（市、区）人民政府',
    '各部门',
    '各委办局',
    '各人民团体',
    '有关单位',
    '相关部门',
  ])('takes %s for a group', (name) => {
    expect(isUnitGroup(name)).toBe(true);
  });

  it.each(['区发改委', '各类人才', '各项工作任务', '枫泾镇', '区各部门联络组', '各', '各有关', '各区、有关'])(
    'takes %s for no group',
    (name) => {
      expect(isUnitGroup(name)).toBe(false);
    },
  );

  it('marks the groups among a task’s units, once each, and leaves the field out when there is none', () => {
    expect(markUnitGroups({ lead: ['各区、县级市', '区发改委'], support: ['各有关单位', '各区、县级市'] })).toEqual({
      lead: ['各区、县级市', '区发改委'],
      support: ['各有关单位', '各区、县级市'],
      groups: ['各区、县级市', '各有关单位'],
    });
    const plain = markUnitGroups({ lead: ['区发改委'], support: [] });
    expect(plain).toEqual({ lead: ['区发改委'], support: [] });
    expect('groups' in plain).toBe(false);
  });

  it('the parser sets the mark on the tasks’ units, keeping lead and support as written', () => {
    const draft = parsePlan(
      [
        '# 某市推进试点工作实施方案',
        '',
        '一、重点任务',
        '',
        '（一）建设一号工程。（区发改委牵头，各有关单位配合）',
        '',
        '（二）推进二号工程。（各区、县级市负责）',
        '',
        '（三）完善三号机制。（区财政局牵头）',
        '',
      ].join('\n'),
    );
    expect(draft.tasks.map((task) => task.units)).toEqual([
      { lead: ['区发改委'], support: ['各有关单位'], groups: ['各有关单位'] },
      { lead: ['各区、县级市'], support: [], groups: ['各区、县级市'] },
      { lead: ['区财政局'], support: [] },
    ]);
  });
});

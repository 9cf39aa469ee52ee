// Task tables flattened one cell per line (a Word table pasted as text): columns read by meaning, merged cells
// holding down their run, row numbers that are not page numbers.
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/importer/parse/index.ts';

const HEAD =
  '某区人民政府\n\n某府发〔2024〕2号\n\n2024年5月6日\n\n# 某区老旧小区改造行动方案\n\n一、总体目标\n\n改善居住条件。\n\n';
const rowsOf = (text: string) =>
  parsePlan(HEAD + text).tasks.map(({ number, title, path, units }) => ({ number, title, path, ...units }));

describe('flattened task tables', () => {
  it('reads columns by meaning, a group row as the path, a merged short-name cell before 序号 as a heading', () => {
    const table = [
      '附件',
      '重点任务清单',
      '类别',
      '序号',
      '工作内容',
      '实施单位',
      '行动一：改善居住条件',
      '屋面整治',
      '1',
      '完成屋面防水改造120栋。',
      '区房管局、各街道',
      '2',
      '推进平改坡试点',
      '加装设施',
      '3',
      '新增电梯50台，同步改造管线。',
      '区建管委、',
      '区“三旧”专班',
      '4',
      '增设无障碍坡道',
      '',
    ].join('\n\n');
    expect(rowsOf(table)).toEqual([
      {
        number: '1',
        title: '完成屋面防水改造120栋',
        path: ['行动一：改善居住条件', '屋面整治'],
        lead: ['区房管局', '各街道'],
        support: [],
        groups: ['各街道'],
      },
      {
        number: '2',
        title: '推进平改坡试点',
        path: ['行动一：改善居住条件', '屋面整治'],
        lead: ['区房管局', '各街道'],
        support: [],
        groups: ['各街道'],
      },
      {
        number: '3',
        title: '新增电梯50台，同步改造管线',
        path: ['行动一：改善居住条件', '加装设施'],
        lead: ['区建管委', '区“三旧”专班'],
        support: [],
      },
      {
        number: '4',
        title: '增设无障碍坡道',
        path: ['行动一：改善居住条件', '加装设施'],
        lead: ['区建管委', '区“三旧”专班'],
        support: [],
      },
    ]);
  });

  it('takes a short-name cell that every row has as the title, and 牵头 / 配合 / 时间 columns in their roles', () => {
    const table = [
      '序号',
      '任务名称',
      '任务内容',
      '牵头部门',
      '配合部门',
      '完成时间',
      '1',
      '雨污分流',
      '对30个小区实施雨污分流改造。',
      '区水务局',
      '各街道',
      '2024年12月',
      '2',
      '架空线入地',
      '完成架空线入地8公里。',
      '区建管委',
      '区供电公司',
      '2024年底',
    ].join('\n');
    const draft = parsePlan(HEAD + table);
    expect(draft.tasks.map(({ number, title, units, due }) => ({ number, title, ...units, due }))).toEqual([
      {
        number: '1',
        title: '雨污分流',
        lead: ['区水务局'],
        support: ['各街道'],
        groups: ['各街道'],
        due: '2024年12月',
      },
      { number: '2', title: '架空线入地', lead: ['区建管委'], support: ['区供电公司'], due: '2024年底' },
    ]);
    expect(draft.tasks[1]?.targets).toMatchObject([{ value: 8, unit: '公里', deadline: '2024' }]);
  });

  it('leaves bare page numbers of ordinary text out', () => {
    const draft = parsePlan(
      HEAD + '二、主要任务\n\n（一）推进甲。（牵头单位：区发改委）\n\n3\n\n（二）推进乙。（牵头单位：区经委）\n',
    );
    expect(draft.tasks.map((t) => t.title)).toEqual(['推进甲', '推进乙']);
  });

  it('titles a row by its task cell up to the first 。, a colon inside it kept', () => {
    const table = [
      '序号',
      '工作任务',
      '责任单位',
      '1',
      '滨江片区：推进岸线贯通。完成步道建设。',
      '区建管委',
      '2',
      '推进老街更新',
      '区规划局',
    ];
    expect(parsePlan(HEAD + table.join('\n')).tasks.map((t) => t.title)).toEqual([
      '滨江片区：推进岸线贯通',
      '推进老街更新',
    ]);
  });

  it('reads the first of two task-like columns (事项 | 工作措施) as the name of the work, and a row above 1 as a group', () => {
    const table = [
      '序号',
      '事项',
      '工作措施',
      '责任单位',
      '推进绿色出行示范',
      '1',
      '“绿色+公交”工程',
      '更新新能源公交车300辆。',
      '巴士集团',
      '2',
      '建设公交专用道20公里。',
    ];
    expect(parsePlan(HEAD + table.join('\n')).tasks.map((t) => [t.title, t.path, t.units.lead])).toEqual([
      ['更新新能源公交车300辆', ['推进绿色出行示范', '“绿色+公交”工程'], ['巴士集团']],
      ['建设公交专用道20公里', ['推进绿色出行示范', '“绿色+公交”工程'], ['巴士集团']],
    ]);
  });
});

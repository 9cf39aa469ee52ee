// parsePlan on small documents, one notation or layout at a time.
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/importer/parse/index.ts';

const HEAD = '某区人民政府\n\n某府发〔2024〕1号\n\n2024年3月1日\n\n# 某区某某行动方案\n\n';
const tasksOf = (body: string) =>
  parsePlan(HEAD + body).tasks.map(({ number, title, units, due }) => ({
    number,
    title,
    ...units,
    ...(due ? { due } : {}),
  }));

describe('parsePlan', () => {
  it('reads labels parted only by a space, 【】 clauses and a closing label without brackets', () => {
    const tasks = tasksOf(
      '## 一、重点任务\n\n（一）推进甲项目。加快建设。（牵头单位：区发改委　配合单位：区财政局）\n\n' +
        '（二）推进乙项目。【牵头单位：区经委】加快建设。\n\n（三）推进丙项目。加快建设。责任单位：区科委、区教育局。\n',
    );
    expect(tasks).toEqual([
      { number: '（一）', title: '推进甲项目', lead: ['区发改委'], support: ['区财政局'] },
      { number: '（二）', title: '推进乙项目', lead: ['区经委'], support: [] },
      { number: '（三）', title: '推进丙项目', lead: ['区科委', '区教育局'], support: [] },
    ]);
  });

  it('reads a task table: skips category rows, carries merged unit cells down, keeps empty cells', () => {
    const tasks = tasksOf(
      '## 一、任务分解\n\n| 序号 | 重点任务 | 牵头单位 | 配合单位 | 完成时限 |\n| --- | --- | --- | --- | --- |\n' +
        '| 一 | 产业发展 |  |  |  |\n| 1 | 建设产业园。新建标准厂房。 | 区经委 | 区财政局 | 2024年底 |\n' +
        '| 2 | 培育龙头企业。 |  |  |  |\n| 二 | 民生保障 |  |  |  |\n| 3 | 新建学校3所。 | 区教育局 |  | 2025年 |\n',
    );
    expect(tasks).toEqual([
      { number: '1', title: '建设产业园', lead: ['区经委'], support: ['区财政局'], due: '2024年底' },
      { number: '2', title: '培育龙头企业', lead: ['区经委'], support: ['区财政局'], due: '2024年底' },
      { number: '3', title: '新建学校3所', lead: ['区教育局'], support: [], due: '2025年' },
    ]);
  });

  it('flags a task whose units are missing among siblings that have them', () => {
    const draft = parsePlan(
      HEAD +
        '## 一、重点任务\n\n（一）推进甲。（牵头单位：区发改委）\n\n（二）推进乙。内容。\n\n（三）推进丙。（牵头单位：区经委）\n',
    );
    expect(draft.tasks.map((t) => t.number)).toEqual(['（一）', '（二）', '（三）']);
    expect(draft.warnings.map((w) => w.code)).toContain('task-without-units');
  });

  it('reads metadata from a notice and from a document dated at its end', () => {
    expect(parsePlan(HEAD + '## 一、任务\n\n（一）推进甲。（牵头单位：区发改委）\n')).toMatchObject({
      title: '某区某某行动方案',
      docNumber: '某府发〔2024〕1号',
      issuer: '某区人民政府',
      date: '2024-03-01',
    });
    const signedAtEnd = parsePlan(
      '# 某县关于加快发展的实施意见\n\n一、任务\n\n（一）推进甲。（牵头单位：县发改局）\n\n某县人民政府\n\n二〇二四年二月二十六日\n',
    );
    expect(signedAtEnd.date).toBe('2024-02-26');
  });

  it('keeps source offsets on the input, across Markdown marks and page breaks', () => {
    const text = HEAD + '## 一、重点任务\n\n**（1）推进甲项目建设。**加快进度。\n\n— 2 —\n\n（牵头单位：区发改委）\n';
    const [task] = parsePlan(text).tasks;
    expect(task && text.slice(task.source.start, task.source.end)).toBe(
      '**（1）推进甲项目建设。**加快进度。\n\n— 2 —\n\n（牵头单位：区发改委）',
    );
  });

  it('reads worded numbers (行动1：, ——任务2：) as headings and tasks, with the number as written', () => {
    const draft = parsePlan(
      HEAD +
        '一、提升服务\n行动1：优化办事流程\n——任务1：推行一网通办\n。整合各类办事入口。\n' +
        '——任务2：压缩审批时限\n。精简材料。\n行动2：加强队伍建设\n——任务3：开展业务培训\n。每年组织轮训。\n',
    );
    expect(draft.tasks.map((t) => [t.number, t.title, t.path])).toEqual([
      ['任务1', '推行一网通办', ['一、提升服务', '行动1：优化办事流程']],
      ['任务2', '压缩审批时限', ['一、提升服务', '行动1：优化办事流程']],
      ['任务3', '开展业务培训', ['一、提升服务', '行动2：加强队伍建设']],
    ]);
    // Running text that counts tasks is not a heading.
    expect(parsePlan(HEAD + '一、任务\n（一）推进甲。\n任务3项已完成。\n（二）推进乙。\n').tasks).toHaveLength(2);
  });

  it('takes a task that only mentions a framing word (保障) for a task, and 组织保障 for a framing section', () => {
    const draft = parsePlan(
      HEAD +
        '一、主要任务\n（一）加强重点人群住房保障。扩大供给。\n（二）完善社区养老服务设施。新建站点。\n' +
        '二、保障措施\n（一）加强组织保障。成立专班。\n（二）强化资金保障。统筹资金。\n',
    );
    expect(draft.tasks.map((t) => t.title)).toEqual(['加强重点人群住房保障', '完善社区养老服务设施']);
  });

  it('reads metadata behind a collector’s front matter: the issued title, the first signatory, not 发布单位', () => {
    const draft = parsePlan(
      '---\n文号: 某发改〔2025〕3号\n发布单位: 某市数据局\n---\n\n# 关于印发某市数据共享行动方案的通知\n' +
        '各区：\n根据《国家数据共享条例》，现将《某市数据共享行动方案》印发给你们。\n' +
        '某市发展和改革委员会某市财政局\n某市大数据中心\n2025年4月8日\n某市数据共享行动方案\n' +
        '一、主要任务\n（一）建设共享平台。（市大数据中心负责）\n',
    );
    expect(draft).toMatchObject({ title: '某市数据共享行动方案', issuer: '某市发展和改革委员会', date: '2025-04-08' });
    // With no signature in the text, the front matter's 发布单位 is the last resort.
    const unsigned = parsePlan(
      '---\n发布单位: 某区人民政府办公室\n---\n某区停车治理方案\n一、任务\n（一）增设泊位。（区交通委负责）\n',
    );
    expect(unsigned.issuer).toBe('某区人民政府办公室');
  });

  it('takes no task from a 职责分工 section headed by unit names, nor from the steps of a 管控流程', () => {
    const draft = parsePlan(
      HEAD +
        '一、重点任务\n（一）建设雨水花园。新建5处。\n（二）改造透水铺装。逐步推进。\n' +
        '二、管控流程\n（一）立项阶段\n审查方案。\n（二）验收阶段\n组织验收。\n' +
        '三、职责分工\n（一）区住建委\n负责统筹。\n（二）区财政局\n负责资金保障。\n',
    );
    expect(draft.tasks.map((t) => t.title)).toEqual(['建设雨水花园', '改造透水铺装']);
  });
});

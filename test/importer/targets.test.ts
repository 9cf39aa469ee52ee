import { describe, expect, it } from 'vitest';
import { findTargets } from '../../src/importer/parse/targets.ts';

const brief = (text: string) =>
  findTargets(text).map(({ value, unit, comparator, deadline }) => ({ value, unit, comparator, deadline }));

describe('findTargets', () => {
  it.each([
    ['到2025年，特色产业产值规模达到800亿元。', [800, '亿元', '>=', '2025']],
    ['“十四五”期间累计接待游客总人数6000万人次以上。', [6000, '万人次', '>=', '2025']],
    ['园区产出密度达到400万元/亩。', [400, '万元/亩', '>=', null]],
    ['力争吸引3-5家科研机构落户。', [[3, 5], '家', 'range', null]],
    ['建设3—5个品牌专业。', [[3, 5], '个', 'range', null]],
    ['新增3至5所学校。', [[3, 5], '所', 'range', null]],
    ['覆盖率提高到30%-50%。', [[30, 50], '%', 'range', null]],
    ['打造千亿级高端绿色化工产业集群。', [1000, '亿元', '>=', null]],
    ['打造500亿级新材料产业集群。', [500, '亿元', '>=', null]],
    ['培育形成五十亿级产业集群。', [50, '亿元', '>=', null]],
    ['全口径规上工业产值突破3000亿元大关。', [3000, '亿元', '>=', null]],
    ['建设可一次性容纳约3000名师生的营地。', [3000, '名', '=', null]],
    ['年均增长7%左右。', [7, '%', '=', null]],
    ['单位能耗控制在0.5吨标准煤以内。', [0.5, '吨', '<=', null]],
    ['审批时间不超过5个工作日。', [5, '个工作日', '<=', null]],
    ['实现30分钟到达中心城区。', [30, '分钟', '<=', null]],
    ['注册企业超过200家。', [200, '家', '>', null]],
    ['研发投入强度提高2个百分点。', [2, '个百分点', '>=', null]],
    ['到“十四五”末，绿色建筑占比达到100%。', [100, '%', '>=', '2025']],
    ['2024年底前，建成5G基站1200个。', [1200, '个', '>=', '2024']],
    ['积水深度不超过15厘米。', [15, '厘米', '<=', null]],
  ] as const)('%s', (text, [value, unit, comparator, deadline]) => {
    expect(brief(text)).toEqual([{ value, unit, comparator, deadline }]);
  });

  it('still reads an area share, a count and an 以上 target beside those traps', () => {
    expect(brief('到2030年，建成区面积40%以上达到标准，新建口袋公园12座。').map((t) => [t.value, t.unit])).toEqual([
      [40, '%'],
      [12, '座'],
    ]);
  });

  it('gives every target of a sentence its deadline, and a later sentence its own', () => {
    const found = brief('到2023年，新增企业25家，产值达到50亿元。到2025年，新增企业45家。');
    expect(found.map((t) => t.deadline)).toEqual(['2023', '2023', '2025']);
  });

  it('reads 累计, the period of “十四五”期间 and a written baseline', () => {
    const [visitors] = findTargets('“十四五”期间累计接待游客6000万人次以上。');
    expect(visitors).toMatchObject({ period: '2021-2025', cumulative: true });
    const found = findTargets('产值由2020年的300亿元提高到2025年的500亿元。');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ value: 500, unit: '亿元', baseline: { value: 300, year: 2020 } });
  });

  it('keeps the clause with its deadline as the target’s text', () => {
    expect(findTargets('到2025年，实现生产性服务业营业收入达到1000亿元。')[0]?.text).toBe(
      '到2025年，实现生产性服务业营业收入达到1000亿元',
    );
  });

  it.each([
    ['dates', '2021年6月2日印发，6月底前完成。'],
    ['a 文号', '根据《关于印发〈方案〉的通知》（沪府发〔2020〕3号）执行。'],
    ['a document title', '落实《2025年工作要点》。'],
    ['a subsidy cap', '对新引进企业给予最高50万元补贴。'],
    ['a subsidy rate', '按每亩300元给予补助。'],
    ['a subsidy threshold', '对投资超过1亿元的项目给予奖励。'],
    ['an enumeration', '打造“1+4+4+4”新型工业化产业体系，构建“1个中枢+N个场景”。'],
    ['a score', '按时报送的得满分（0.5分）。'],
    ['a rating', '推动景区创建国家4A级旅游景区。'],
    ['a road and a network', '加快G320公路建设，推进5G网络覆盖。'],
    ['Chinese-numeral counts', '建设三大平台，打造七大中心。'],
    ['tiers named in one breath', '形成以“百亿级市级特色产业、五十亿级区级特色产业、十亿级特色微园”的梯度产业体系。'],
    ['a denominator', '每10万人口拥有博物馆数量稳步提升。'],
    ['a chapter number', '按照第3条规定执行。'],
    ['a status already reached', '全区已累计完成约2600亩复垦任务。'],
    ['a named planning concept', '深化“10分钟便民服务圈”建设，打造20分钟通勤圈。'],
    ['a zone’s area in a bracket', '推进东湖片区（6.15平方公里）和西城片区建设。'],
    ['a described area', '示范区范围东至环河路，面积约3.4平方公里。'],
    ['a radius planned around', '消除800米服务半径盲区。'],
    ['a refund rate', '符合条件的企业可返还其上年度缴纳失业保险费的60%。'],
    ['a duration a rule counts by', '补缴期限按9个月计算。'],
    ['an eligibility threshold', '对吸纳残疾人达到职工总数15%以上的企业给予支持。'],
  ])('ignores %s', (_what, text) => {
    expect(brief(text)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { allowsNegative } from '../../src/domain/quantities.ts';

describe('allowsNegative', () => {
  it.each([
    ['名', '引进高层次人才100名'],
    ['亿元', '到2025年，实现规上工业总产值达到800亿元'],
    ['家', '新增上市企业5家'],
    ['%', '森林覆盖率达到20%'],
    ['平方米', '建成标准厂房10万平方米'],
  ])('refuses a negative %s (%s): a count, an amount, a level or a share', (unit, text) => {
    expect(allowsNegative({ unit, text })).toBe(false);
  });

  it.each([
    ['%', '地区生产总值年均增长6%'],
    ['%', '单位GDP能耗同比下降3%'],
    ['％', '税收收入增速10％'],
    ['个百分点', '城镇化率提高2个百分点'],
    ['℃', '冷库温度保持在-18℃以下'],
  ])('allows a negative %s (%s): a rate of change, a change in points, a temperature', (unit, text) => {
    expect(allowsNegative({ unit, text })).toBe(true);
  });
});

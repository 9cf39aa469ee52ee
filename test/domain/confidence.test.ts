// Delivery confidence as units pick it and as the war board sorts it.
import { describe, expect, it } from 'vitest';
import {
  CONFIDENCE_COLOURS,
  CONFIDENCE_DESCRIPTIONS,
  CONFIDENCE_LABELS,
  CONFIDENCE_LEVELS,
  compareConfidence,
  confidenceRank,
  isAtLeastAsBad,
  isConfidence,
  worstConfidence,
  type Confidence,
} from '../../src/domain/confidence.ts';

describe('delivery confidence', () => {
  it.each<[Confidence, number, string, string]>([
    ['green', 0, '高度可控', '绿'],
    ['amber-green', 1, '基本可控', '绿黄'],
    ['amber', 2, '存在风险', '黄'],
    ['amber-red', 3, '风险较大', '黄红'],
    ['red', 4, '难以完成', '红'],
  ])('%s ranks %s and reads %s (%s)', (level, rank, label, colour) => {
    expect(confidenceRank(level)).toBe(rank);
    expect(CONFIDENCE_LABELS[level]).toBe(label);
    expect(CONFIDENCE_COLOURS[level]).toBe(colour);
    expect(CONFIDENCE_DESCRIPTIONS[level]).not.toBe('');
  });

  it('has five levels with distinct labels', () => {
    expect(CONFIDENCE_LEVELS).toHaveLength(5);
    expect(new Set(Object.values(CONFIDENCE_LABELS)).size).toBe(5);
  });

  it('sorts best first, or red first when reversed', () => {
    const levels: Confidence[] = ['amber', 'red', 'green', 'amber-red', 'amber-green'];
    expect([...levels].sort(compareConfidence)).toEqual(['green', 'amber-green', 'amber', 'amber-red', 'red']);
    expect([...levels].sort((a, b) => compareConfidence(b, a))[0]).toBe('red');
  });

  it.each<[Confidence[], Confidence | null]>([
    [['green', 'amber-red', 'amber'], 'amber-red'],
    [['green'], 'green'],
    [[], null],
  ])('the worst of %j is %s', (levels, worst) => {
    expect(worstConfidence(levels)).toBe(worst);
  });

  it('compares two levels', () => {
    expect(isAtLeastAsBad('red', 'amber-red')).toBe(true);
    expect(isAtLeastAsBad('amber', 'amber')).toBe(true);
    expect(isAtLeastAsBad('amber-green', 'amber')).toBe(false);
  });

  it.each<[unknown, boolean]>([
    ['amber-red', true],
    ['yellow', false],
    ['Red', false],
    [3, false],
    [null, false],
  ])('%j is a level: %s', (value, ok) => {
    expect(isConfidence(value)).toBe(ok);
  });
});

// Targets against their planned paths, with the example plan's own targets: 特色产业产值 800亿元 by 2025 (from an
// assumed 300亿元 in 2020), “十四五”期间累计接待游客 6000万人次, plus a falling PM2.5 target and a growth range.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import { periodsBetween } from '../../src/domain/periods.ts';
import {
  aimOf,
  describeTarget,
  meetsTarget,
  targetDirection,
  validateTargetSpec,
  type Reading,
  type TargetSpec,
} from '../../src/domain/quantities.ts';
import {
  BEHIND_THRESHOLD,
  OFF_TRACK_THRESHOLD,
  actualAt,
  assessTarget,
  forecast,
  plannedPath,
  resolveBaseline,
  type TargetStatus,
} from '../../src/domain/trajectory.ts';

const OUTPUT: TargetSpec = {
  comparator: '>=',
  value: 800,
  deadline: '2025',
  cumulative: false,
  unit: '亿元',
  baseline: { value: 300, period: '2020' },
};
const VISITORS: TargetSpec = { comparator: '>=', value: 6000, deadline: '2025', cumulative: true, unit: '万人次' };
const PM25: TargetSpec = {
  comparator: '<=',
  value: 30,
  deadline: '2025',
  cumulative: false,
  unit: '微克/立方米',
  baseline: { value: 40, period: '2020' },
};
const GROWTH: TargetSpec = {
  comparator: 'range',
  value: [6, 8],
  deadline: '2023',
  cumulative: false,
  unit: '%',
  baseline: { value: 5, period: '2020' },
};
const QUARTERS = periodsBetween('2021-Q1', '2025-Q4');
const YEARS = periodsBetween('2021', '2025');

function plannedAt(spec: TargetSpec, periods: string[], period: string, overrides = {}, readings: Reading[] = []) {
  return plannedPath(spec, periods, overrides, readings).find((p) => p.period === period)?.planned;
}

describe('targets', () => {
  it.each<[TargetSpec, number, boolean]>([
    [OUTPUT, 800, true],
    [OUTPUT, 799.99, false],
    [{ ...OUTPUT, comparator: '>' }, 800, false],
    [{ ...OUTPUT, comparator: '>' }, 800.1, true],
    [PM25, 30, true],
    [PM25, 30.5, false],
    // A range counts as met at its lower bound; above the upper one is still met.
    [GROWTH, 6, true],
    [GROWTH, 9, true],
    [GROWTH, 5.9, false],
    // A range the baseline lies above is approached from above, so it is met at its upper bound.
    [{ ...GROWTH, baseline: { value: 10, period: '2020' } }, 8, true],
    [{ ...GROWTH, baseline: { value: 10, period: '2020' } }, 8.5, false],
    // 约/左右 (=): reached in the direction of travel.
    [{ ...OUTPUT, comparator: '=' }, 800, true],
    [{ ...OUTPUT, comparator: '=' }, 790, false],
    // Decimal noise is not a miss.
    [{ ...OUTPUT, value: 0.3 }, 0.1 + 0.2, true],
  ])('%j is met by %s: %s', (spec, value, met) => {
    expect(meetsTarget(spec, value)).toBe(met);
  });

  it('aims a range at the bound nearest the baseline and reads out each target in Chinese', () => {
    expect(aimOf(GROWTH)).toBe(6);
    expect(aimOf({ ...GROWTH, baseline: { value: 10, period: '2020' } })).toBe(8);
    expect(targetDirection(PM25)).toBe(-1);
    expect(describeTarget(OUTPUT)).toBe('≥800亿元');
    expect(describeTarget(PM25)).toBe('≤30微克/立方米');
    expect(describeTarget(GROWTH)).toBe('6–8%');
    expect(describeTarget({ ...OUTPUT, comparator: '=' })).toBe('约800亿元');
  });

  it.each<[string, TargetSpec]>([
    ['a range without two bounds', { ...GROWTH, value: 7 }],
    ['a range upside down', { ...GROWTH, value: [8, 6] }],
    ['a single value given two', { ...OUTPUT, value: [1, 2] }],
    ['a value that is not a number', { ...OUTPUT, value: Number.NaN }],
    ['an unknown comparator', { ...OUTPUT, comparator: '≈' as TargetSpec['comparator'] }],
    ['a deadline that is not a period', { ...OUTPUT, deadline: '2025年' }],
    ['a baseline after the deadline', { ...OUTPUT, baseline: { value: 300, period: '2026' } }],
    ['a baseline with a bad period', { ...OUTPUT, baseline: { value: 300, period: 'last year' } }],
  ])('refuses %s', (_what, spec) => {
    expect(() => validateTargetSpec(spec)).toThrow(DomainError);
    try {
      validateTargetSpec(spec);
    } catch (error) {
      expect((error as DomainError).code).toBe('invalid-target');
    }
  });
});

describe('the planned path', () => {
  it.each([
    // 500亿元 over 20 quarters: 25 a quarter from 300 at the end of 2020.
    ['2021-Q1', 325],
    ['2021-Q4', 400],
    ['2023-Q2', 550],
    ['2025-Q4', 800],
  ])('特色产业产值 is planned at %s: %s亿元', (period, planned) => {
    expect(plannedAt(OUTPUT, QUARTERS, period)).toBeCloseTo(planned, 9);
  });

  it('falls along its path for a <= target', () => {
    expect(plannedPath(PM25, YEARS).map((p) => p.planned)).toEqual([38, 36, 34, 32, 30]);
  });

  it('aims a range at its lower bound and stays at the target after the deadline', () => {
    expect(plannedPath(GROWTH, ['2021', '2022', '2023', '2024']).map((p) => p.planned)).toEqual([
      5 + 1 / 3,
      5 + 2 / 3,
      6,
      6,
    ]);
  });

  it('plans a cumulative target as a running sum from nothing', () => {
    expect(plannedPath(VISITORS, YEARS).map((p) => p.planned)).toEqual([1200, 2400, 3600, 4800, 6000]);
  });

  it('takes the office’s value for an edited period and leaves the others on the line', () => {
    const path = plannedPath(OUTPUT, QUARTERS, { '2021-Q4': 380, '2030-Q1': 1 });
    expect(path.find((p) => p.period === '2021-Q4')).toEqual({ period: '2021-Q4', planned: 380, overridden: true });
    expect(path.find((p) => p.period === '2022-Q1')).toEqual({ period: '2022-Q1', planned: 425, overridden: false });
    expect(path).toHaveLength(20);
  });

  it('starts from the first reading when no baseline is entered, and has no plan before it', () => {
    const spec: TargetSpec = { ...OUTPUT, baseline: undefined };
    const readings = [{ period: '2021-Q2', value: 350 }];
    const path = plannedPath(spec, QUARTERS, {}, readings);
    expect(path[0]).toEqual({ period: '2021-Q1', planned: null, overridden: false });
    expect(path[1]?.planned).toBe(350);
    expect(path.at(-1)?.planned).toBe(800);
    expect(plannedPath(spec, QUARTERS).every((p) => p.planned === null)).toBe(true);
  });

  it('refuses periods of mixed frequency and an override that is not a number', () => {
    expect(() => plannedPath(OUTPUT, ['2021-Q1', '2021'])).toThrow(DomainError);
    expect(() => plannedPath(OUTPUT, ['2021-Q1'], { '2021-Q1': Number.POSITIVE_INFINITY })).toThrow(DomainError);
    expect(plannedPath(OUTPUT, [])).toEqual([]);
  });
});

describe('actual values', () => {
  const readings: Reading[] = [
    { period: '2021-Q1', value: 310 },
    { period: '2021-Q2', value: 330 },
    { period: '2021-Q3', value: 340 },
    { period: '2021-Q2', value: 335 },
  ];

  it.each<[string, boolean, number | null]>([
    ['2020-Q4', false, null],
    ['2021-Q1', false, 310],
    // A second reading for a period corrects the first.
    ['2021-Q2', false, 335],
    ['2022-Q4', false, 340],
    ['2021-Q2', true, 645],
    ['2021-Q3', true, 985],
    // A yearly figure counts once its year is over.
    ['2021-H1', false, 335],
  ])('at %s (cumulative: %s) is %s', (period, cumulative, actual) => {
    expect(actualAt(readings, period, cumulative)).toBe(actual);
  });

  it('adds a cumulative target’s readings after its baseline to the baseline', () => {
    expect(actualAt(readings, '2021-Q3', true, { value: 1000, period: '2021-Q1' })).toBe(1675);
  });

  it('resolves the baseline: entered, the first reading, or zero before a running sum starts', () => {
    expect(resolveBaseline(OUTPUT, readings)?.source).toBe('entered');
    expect(resolveBaseline({ ...OUTPUT, baseline: undefined }, readings)).toEqual({
      baseline: { value: 310, period: '2021-Q1' },
      source: 'first-reading',
    });
    expect(resolveBaseline(VISITORS, readings, '2021-Q1')).toEqual({
      baseline: { value: 0, period: '2020-Q4' },
      source: 'zero',
    });
    expect(resolveBaseline({ ...OUTPUT, baseline: undefined }, [])).toBeNull();
  });
});

describe('assessing a target at a period', () => {
  const outputPath = plannedPath(OUTPUT, QUARTERS);

  // The distance from baseline to target is 500亿元: behind beyond 25 short, off track beyond 100 short.
  it.each<[string, number, TargetStatus, number]>([
    ['on the path', 400, 'on-track', 0],
    ['ahead of it', 420, 'on-track', -20],
    ['short by exactly 5 %', 375, 'on-track', 25],
    ['short by 6 %', 370, 'behind', 30],
    ['short by exactly 20 %', 300, 'behind', 100],
    ['short by 22 %', 290, 'off-track', 110],
    ['past the target early', 820, 'met', -420],
  ])('特色产业产值 %s at 2021-Q4 (%s亿元) is %s', (_what, value, status, gap) => {
    const assessment = assessTarget(OUTPUT, outputPath, [{ period: '2021-Q4', value }], '2021-Q4');
    expect(assessment.status).toBe(status);
    expect(assessment.expected).toBe(400);
    expect(assessment.actual).toBe(value);
    expect(assessment.gap).toBeCloseTo(gap, 9);
  });

  it('says why in Chinese, with the figures', () => {
    const behind = assessTarget(OUTPUT, outputPath, [{ period: '2021-Q4', value: 370 }], '2021-Q4');
    expect(behind.reasons).toEqual([
      {
        code: 'behind-path',
        message: '落后于计划进度 30亿元（2021年第四季度应达 400亿元，实际 370亿元），超过基期至目标差距的 5%',
      },
    ]);
    const met = assessTarget(OUTPUT, outputPath, [{ period: '2023-Q2', value: 812.5 }], '2023-Q2');
    expect(met.reasons[0]?.message).toBe('已达到目标（实际 812.5亿元，目标 ≥800亿元）');
  });

  it('names its thresholds', () => {
    expect([BEHIND_THRESHOLD, OFF_TRACK_THRESHOLD]).toEqual([0.05, 0.2]);
  });

  it('uses the office’s edited value as the expectation', () => {
    const path = plannedPath(OUTPUT, QUARTERS, { '2021-Q4': 370 });
    expect(assessTarget(OUTPUT, path, [{ period: '2021-Q4', value: 370 }], '2021-Q4').status).toBe('on-track');
  });

  it('has no data before the first reading', () => {
    const assessment = assessTarget(OUTPUT, outputPath, [{ period: '2022-Q1', value: 420 }], '2021-Q4');
    expect(assessment).toMatchObject({ status: 'no-data', expected: 400, actual: null, gap: null });
    expect(assessment.reasons[0]?.message).toBe('截至2021年第四季度尚无填报数据');
  });

  it('judges a stale reading against the current period', () => {
    const assessment = assessTarget(OUTPUT, outputPath, [{ period: '2021-Q1', value: 325 }], '2022-Q2');
    expect(assessment).toMatchObject({ status: 'off-track', expected: 450, actual: 325, readingPeriod: '2021-Q1' });
  });

  it('calls a target not met by its deadline off track, however close', () => {
    const assessment = assessTarget(OUTPUT, outputPath, [{ period: '2025-Q4', value: 795 }], '2025-Q4');
    expect(assessment.status).toBe('off-track');
    expect(assessment.reasons[0]).toEqual({
      code: 'missed-deadline',
      message: '已到完成期限（2025年），未达到目标 ≥800亿元（实际 795亿元）',
    });
  });

  it.each<[number, TargetStatus]>([
    [34, 'on-track'],
    [33, 'on-track'],
    [34.5, 'on-track'],
    [35, 'behind'],
    [36.5, 'off-track'],
    [29, 'met'],
  ])('PM2.5 falls along its path: %s in 2023 (planned 34) is %s', (value, status) => {
    const path = plannedPath(PM25, YEARS);
    expect(assessTarget(PM25, path, [{ period: '2023', value }], '2023').status).toBe(status);
  });

  it.each<[number, TargetStatus]>([
    [6.2, 'met'],
    [5.65, 'on-track'],
    [5.55, 'behind'],
    [5.3, 'off-track'],
  ])('a growth range of 6 to 8 per cent read at %s in 2022 (planned 5.67, from 5 towards 6) is %s', (value, status) => {
    const path = plannedPath(GROWTH, ['2021', '2022', '2023']);
    expect(assessTarget(GROWTH, path, [{ period: '2022', value }], '2022').status).toBe(status);
  });

  it('sums a cumulative target’s readings against the running path', () => {
    const path = plannedPath(VISITORS, YEARS);
    const readings = [
      { period: '2021', value: 1100 },
      { period: '2022', value: 1200 },
    ];
    // 2300 against 2400 planned: 100 short, 1.7 % of 6000.
    expect(assessTarget(VISITORS, path, readings, '2022')).toMatchObject({
      status: 'on-track',
      expected: 2400,
      actual: 2300,
      gap: 100,
    });
    // 1200 is 1200 short, exactly 20 % of 6000: behind; 1100 is beyond it: off track.
    const slow = [
      { period: '2021', value: 700 },
      { period: '2022', value: 500 },
    ];
    expect(assessTarget(VISITORS, path, slow, '2022').status).toBe('behind');
    expect(
      assessTarget(
        VISITORS,
        path,
        [
          { period: '2021', value: 700 },
          { period: '2022', value: 400 },
        ],
        '2022',
      ).status,
    ).toBe('off-track');
    expect(assessTarget(VISITORS, path, [...readings, { period: '2023', value: 3800 }], '2023').status).toBe('met');
  });

  it('judges a cumulative cap met only at its deadline, as the sum can still grow', () => {
    const cap: TargetSpec = { comparator: '<=', value: 100, deadline: '2023', cumulative: true };
    const path = plannedPath(cap, ['2021', '2022', '2023']);
    const readings = [
      { period: '2021', value: 30 },
      { period: '2022', value: 30 },
    ];
    expect(assessTarget(cap, path, readings, '2022').status).toBe('on-track');
    expect(assessTarget(cap, path, [...readings, { period: '2023', value: 30 }], '2023').status).toBe('met');
    expect(assessTarget(cap, path, [...readings, { period: '2023', value: 50 }], '2023').status).toBe('off-track');
  });

  it('notes when the first reading stands in for a missing baseline', () => {
    const spec: TargetSpec = { ...OUTPUT, baseline: undefined };
    const readings = [
      { period: '2021-Q1', value: 320 },
      { period: '2021-Q2', value: 340 },
    ];
    const assessment = assessTarget(spec, plannedPath(spec, QUARTERS, {}, readings), readings, '2021-Q2');
    expect(assessment.status).toBe('on-track');
    expect(assessment.expected).toBeCloseTo(320 + 480 / 19, 9);
    expect(assessment.reasons.map((r) => r.code)).toEqual(['on-path', 'baseline-from-first-reading']);
    expect(assessment.reasons[1]?.message).toBe('未设基期值，暂以首次填报（2021年第一季度：320亿元）作为基期');
  });
});

describe('forecast', () => {
  it('projects the trend to the deadline and says whether it gets there', () => {
    const readings = [
      { period: '2021', value: 350 },
      { period: '2022', value: 400 },
      { period: '2023', value: 450 },
    ];
    const result = forecast(readings, OUTPUT);
    expect(result).not.toBeNull();
    expect(result?.value).toBeCloseTo(550, 9);
    expect(result?.slopePerYear).toBeCloseTo(50, 9);
    expect(result).toMatchObject({ meets: false, deadline: '2025', basedOn: 3 });
  });

  it('fits a least-squares line through scattered quarterly readings', () => {
    // Readings scatter around a rise of about 30 a quarter; the least-squares slope is 28 a quarter, 112 a year.
    const readings = [
      { period: '2021-Q1', value: 335 },
      { period: '2021-Q2', value: 355 },
      { period: '2021-Q3', value: 395 },
      { period: '2021-Q4', value: 415 },
    ];
    const result = forecast(readings, OUTPUT);
    expect(result?.slopePerYear).toBeCloseTo(112, 9);
    // From the mean point (375, halfway between June and September 2021) 52.5 months to December 2025.
    expect(result?.value).toBeCloseTo(375 + 112 * (52.5 / 12), 9);
    expect(result?.meets).toBe(true);
  });

  it('projects a running sum for a cumulative target and a falling line for a <= target', () => {
    const visitors = forecast(
      [
        { period: '2021', value: 1100 },
        { period: '2022', value: 1100 },
      ],
      VISITORS,
    );
    expect(visitors?.value).toBeCloseTo(5500, 9);
    expect(visitors?.meets).toBe(false);
    const pm = forecast(
      [
        { period: '2021', value: 38 },
        { period: '2022', value: 35 },
      ],
      PM25,
    );
    expect(pm?.value).toBeCloseTo(26, 9);
    expect(pm?.meets).toBe(true);
  });

  it('draws no trend from fewer than two periods', () => {
    expect(forecast([], OUTPUT)).toBeNull();
    expect(forecast([{ period: '2021', value: 350 }], OUTPUT)).toBeNull();
    expect(
      forecast(
        [
          { period: '2021-Q4', value: 350 },
          { period: '2021', value: 360 },
        ],
        OUTPUT,
      ),
    ).toBeNull();
  });
});

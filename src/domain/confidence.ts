/**
 * Delivery confidence (交付信心): the responsible unit's own view, given with each report, of whether the task will
 * be delivered — the five levels of the UK Infrastructure and Projects Authority's Delivery Confidence Assessment
 * (DCA), from green to red.
 */

/** From best to worst; the order is the ranking. */
export const CONFIDENCE_LEVELS = ['green', 'amber-green', 'amber', 'amber-red', 'red'] as const;

export type Confidence = (typeof CONFIDENCE_LEVELS)[number];

/** What the UI shows. */
export const CONFIDENCE_LABELS: Readonly<Record<Confidence, string>> = {
  green: '高度可控',
  'amber-green': '基本可控',
  amber: '存在风险',
  'amber-red': '风险较大',
  red: '难以完成',
};

/** The colour as named in Chinese dashboards (红黄绿灯). */
export const CONFIDENCE_COLOURS: Readonly<Record<Confidence, string>> = {
  green: '绿',
  'amber-green': '绿黄',
  amber: '黄',
  'amber-red': '黄红',
  red: '红',
};

/** The DCA's definitions, shortened and put in Chinese, for the report form's help text. */
export const CONFIDENCE_DESCRIPTIONS: Readonly<Record<Confidence, string>> = {
  green: '按期按质完成的可能性很大，目前没有明显影响完成的重大问题',
  'amber-green': '预计能够完成，但需持续关注，防止风险演变为重大问题',
  amber: '可以完成，但已存在较大问题，需及时处置；处置得当不致延误',
  'amber-red': '能否完成存疑，多个关键方面存在重大风险或问题，需紧急采取措施',
  red: '看来难以完成，存在目前无法控制或解决的重大问题，可能需要调整任务或重新评估',
};

/**
 * True for one of the five level codes; use on values read from storage or a request.
 *
 * @example
 * isConfidence('amber-red'); // true
 * isConfidence('yellow'); // false
 */
export function isConfidence(value: unknown): value is Confidence {
  return typeof value === 'string' && (CONFIDENCE_LEVELS as readonly string[]).includes(value);
}

/**
 * 0 for green up to 4 for red: higher is worse.
 *
 * @example
 * confidenceRank('amber'); // 2
 */
export function confidenceRank(confidence: Confidence): number {
  return CONFIDENCE_LEVELS.indexOf(confidence);
}

/**
 * A sort comparator from best to worst; reverse it (`(a, b) => compareConfidence(b, a)`) to list red first.
 *
 * @example
 * ['red', 'green', 'amber'].sort(compareConfidence); // ['green', 'amber', 'red']
 */
export function compareConfidence(a: Confidence, b: Confidence): number {
  return confidenceRank(a) - confidenceRank(b);
}

/**
 * The worst of several levels (a task's lead units may disagree; the gloomiest view counts); null for none.
 *
 * @example
 * worstConfidence(['green', 'amber-red', 'amber']); // 'amber-red'
 */
export function worstConfidence(levels: Iterable<Confidence>): Confidence | null {
  let worst: Confidence | null = null;
  for (const level of levels) if (worst === null || compareConfidence(level, worst) > 0) worst = level;
  return worst;
}

/**
 * True when `a` is at least as bad as `b`.
 *
 * @example
 * isAtLeastAsBad('red', 'amber-red'); // true
 */
export function isAtLeastAsBad(a: Confidence, b: Confidence): boolean {
  return compareConfidence(a, b) >= 0;
}

/**
 * The structured result of reading a plan document (实施方案 / 行动方案): what the importer hands to the rest of
 * Luoshi. Field names follow the `parse --json` contract; offsets are UTF-16 code-unit offsets into the text the
 * importer read (for .md/.txt the decoded file, for .docx/.pdf the extracted text).
 */

/** How a target's value relates to what must be reached. `range` means "between value[0] and value[1]". */
export type Comparator = '>=' | '<=' | '=' | 'range' | '>';

/** A quantity the plan promises (指标), e.g. "到2025年，特色产业产值规模达到800亿元" → 800 亿元 >= by 2025. */
export interface Target {
  /** The phrase the target was read from, as written (whitespace and Markdown marks removed). */
  text: string;
  /** The number as written; a range is `[min, max]`. */
  value: number | [number, number];
  /** The unit as written, with its Chinese magnitude: "亿元", "万人次", "%", "万元/亩". */
  unit: string;
  comparator: Comparator;
  /** The year by which it is due ("2025"), or null when the text names none. */
  deadline: string | null;
  /** A span of years the target covers, "2021-2025" for "“十四五”期间". */
  period?: string;
  /** True for 累计 (summed over the period) targets. */
  cumulative?: true;
  /** The starting point, when written ("由2020年的300亿元提高到800亿元"). */
  baseline?: { value: number; year: number | null };
}

export interface Units {
  /** Lead units (牵头单位) in written order; the first is the primary lead. */
  lead: string[];
  /** Support units (配合/协同/参与单位) in written order. */
  support: string[];
  /**
   * The names of `lead` and `support` that are unit groups rather than one body: placeholders such as 各区、县级市,
   * 各有关单位, 各项目牵头单位, 各街道、镇 (src/importer/parse/unit-groups.ts). Each is also in `lead` or `support`, where
   * the plan wrote it, so a consumer that ignores this field reads the same units as before. Left out when the
   * task names no group. The draft review decides each group: keep it as a group, map it to named units, or drop it.
   */
  groups?: string[];
}

export interface SourceSpan {
  start: number;
  end: number;
}

export interface TaskDraft {
  /** The task's number as written: "（1）", "(16)", "1.", "一、" — or "" for an unnumbered paragraph. */
  number: string;
  /** The headings above the task, each with its number, as written: ["二、重点任务", "（一）…", "1.…"]. */
  path: string[];
  title: string;
  units: Units;
  targets: Target[];
  /** A deadline written for the task itself ("6月底完成", a table's 完成时限), as written. */
  due?: string;
  /** True when the task carries no units of its own and took them from a heading above it. */
  unitsInherited?: true;
  source: SourceSpan;
}

export interface GoalDraft {
  /** The heading, bullet lead or box (专栏) title the goal is written under. */
  title: string;
  targets: Target[];
}

export type WarningCode =
  | 'task-without-units'
  | 'units-inherited'
  | 'target-uncertain'
  | 'unit-uncertain'
  | 'numbering-gap'
  | 'numbering-duplicate'
  | 'metadata-missing';

export interface ParseWarning {
  code: WarningCode;
  message: string;
  /** Offset into the text where the doubtful item starts. */
  at: number;
}

export interface PlanDraft {
  title: string | null;
  /** 文号, e.g. "金府发〔2021〕1号". */
  docNumber: string | null;
  /** The issuing body (发文机关). */
  issuer: string | null;
  /** The date of issue, YYYY-MM-DD. */
  date: string | null;
  goals: GoalDraft[];
  tasks: TaskDraft[];
  warnings: ParseWarning[];
}

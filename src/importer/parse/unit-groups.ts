/**
 * Unit groups (单位组): the placeholders a plan writes where a list of bodies is meant — 各区、县级市, 各有关单位,
 * 各项目牵头单位, 各街道、镇 — rather than one body of the unit directory. The parser marks them on a task's units
 * (`Units.groups`) so that the office decides in the draft review whether each stays a group, stands for named
 * units, or goes. Pure: names in, names out. This module knows the obvious 各… forms and a few bare placeholders
 * (有关单位, 相关部门); the import-accuracy work widens it.
 */
import type { Units } from '../../domain/plan-draft.ts';

// What a group ends with: a kind of place (区, 县级市, 街道, 镇) or of body (单位, 部门, 委办局, 人民政府), optionally
// with a bracketed note ("各镇（街道）", "各区（县）人民政府").
const GROUP_END =
  /(?:单位|部门|委办局|委|局|办|机关|团体|区|县|市|县级市|镇|乡|街道|街镇|园区|开发区|管委会|平台|集团|公司|企业|政府|人民政府|办事处|组|成员)(?:[（(][^（）()]{1,12}[)）])?$/u;

// 各类 (kinds of), 各项 (items of), 各种, 各个, 各级 + a noun that is not a body: quantifiers, not groups. 各项目… is
// kept (各项目牵头单位: the lead unit of each project).
const NOT_A_GROUP = /^各(?:类|种|个|项(?!目)|方面)/u;

const BARE_PLACEHOLDERS: ReadonlySet<string> = new Set([
  '有关单位',
  '相关单位',
  '有关部门',
  '相关部门',
  '成员单位',
  '其他成员单位',
  '有关责任单位',
]);

/**
 * True when a unit name is a placeholder for a group of bodies rather than one body.
 *
 * @example isUnitGroup('各区、县级市') // true
 * @example isUnitGroup('各有关单位') // true
 * @example isUnitGroup('区发改委') // false
 */
export function isUnitGroup(name: string): boolean {
  const clean = name.normalize('NFC').replace(/\s+/gu, '');
  if (BARE_PLACEHOLDERS.has(clean)) return true;
  if (!clean.startsWith('各') || clean.length < 2 || NOT_A_GROUP.test(clean)) return false;
  // A list of kinds ("各区、县级市", "各街道、镇"): every item after the first is a kind of place or body too.
  return splitOutsideBrackets(clean).every((item) => GROUP_END.test(item));
}

/** "各市、县（市、区）人民政府" → ["各市", "县（市、区）人民政府"]. */
function splitOutsideBrackets(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '（' || ch === '(') depth += 1;
    else if ((ch === '）' || ch === ')') && depth > 0) depth -= 1;
    if (ch === '、' && depth === 0) {
      items.push(current);
      current = '';
    } else current += ch;
  }
  items.push(current);
  return items;
}

/**
 * A task's units with the groups among them marked in `groups` (names of `lead` and `support`, in written order);
 * `groups` is left out when there is none, so that a `parse --json` consumer that does not know it sees nothing new.
 *
 * @example markUnitGroups({ lead: ['区发改委'], support: ['各有关单位'] })
 * // { lead: ['区发改委'], support: ['各有关单位'], groups: ['各有关单位'] }
 */
export function markUnitGroups(units: Units): Units {
  const groups = [...units.lead, ...units.support].filter(
    (name, i, all) => isUnitGroup(name) && all.indexOf(name) === i,
  );
  const { groups: _earlier, ...rest } = units;
  return groups.length === 0 ? rest : { ...rest, groups };
}

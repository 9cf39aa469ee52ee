/**
 * Matching the unit names a plan writes (区经委, 石化街道办事处) with the workspace's unit directory, and guessing
 * the kind of a unit the directory does not have yet.
 */
import type { UnitKind } from '../db/schema.ts';

/** A unit of the directory, as the import sees it. */
export interface DirectoryUnit {
  readonly id: string;
  readonly name: string;
  readonly kind: UnitKind;
  /** A group unit (各区、县级市); left out for an ordinary one. */
  readonly isGroup?: boolean;
}

/** The workspace's units by name and by alias (both unique in a workspace). */
export interface UnitDirectory {
  readonly byName: ReadonlyMap<string, DirectoryUnit>;
  readonly byAlias: ReadonlyMap<string, DirectoryUnit>;
}

export type UnitMatchKind = 'exact' | 'alias' | 'new';

/** How one name written in the draft matches the directory. */
export interface UnitMatch {
  /** The name as the draft writes it. */
  name: string;
  match: UnitMatchKind;
  /** The directory unit it resolves to; null for a new unit (created on confirm). */
  unitId: string | null;
  /** The directory's name for it (区经济委员会 for 区经委); the name itself for a new unit. */
  unitName: string;
  /** The directory unit's kind, or the kind guessed for a new one. */
  kind: UnitKind;
}

export function buildUnitDirectory(
  units: readonly DirectoryUnit[],
  aliases: readonly { readonly alias: string; readonly unitId: string }[],
): UnitDirectory {
  const byName = new Map(units.map((unit) => [unit.name, unit]));
  const byId = new Map(units.map((unit) => [unit.id, unit]));
  const byAlias = new Map<string, DirectoryUnit>();
  for (const { alias, unitId } of aliases) {
    const unit = byId.get(unitId);
    if (unit !== undefined) byAlias.set(alias, unit);
  }
  return { byName, byAlias };
}

/** Names compare as written, less surrounding space: unit names are exact in official documents. */
export function cleanUnitName(name: string): string {
  return name.normalize('NFC').trim();
}

/** The directory unit a name stands for, by its name first, then by alias. */
export function resolveUnit(
  directory: UnitDirectory,
  name: string,
): { unit: DirectoryUnit; match: 'exact' | 'alias' } | null {
  const clean = cleanUnitName(name);
  const exact = directory.byName.get(clean);
  if (exact !== undefined) return { unit: exact, match: 'exact' };
  const alias = directory.byAlias.get(clean);
  if (alias !== undefined) return { unit: alias, match: 'alias' };
  return null;
}

export function matchUnitName(directory: UnitDirectory, name: string): UnitMatch {
  const resolved = resolveUnit(directory, name);
  if (resolved === null) return { name, match: 'new', unitId: null, unitName: name, kind: guessUnitKind(name) };
  return {
    name,
    match: resolved.match,
    unitId: resolved.unit.id,
    unitName: resolved.unit.name,
    kind: resolved.unit.kind,
  };
}

// Checked in this order: 石化街道办事处 is a subdistrict, not a bureau (办); 区委组织部 a party department, not a
// bureau (委); 区总工会 a mass organisation. The brief's four rules come first for the names they name.
const KIND_RULES: readonly [RegExp, UnitKind][] = [
  [/(街道|办事处)/, 'subdistrict'],
  [/镇(人民政府)?$/, 'town'],
  [/(公司|集团)/, 'soe'],
  [/^(区|市|县)委.+部$|^(区|市|县)委(办公室)?$|党委|党工委/, 'party'],
  [/(总工会|工会|团(区|市|县)委|妇联|妇女联合会|工商联|科协|残联)/, 'mass-org'],
  [/(委|局|办|委员会|办公室)$/, 'bureau'],
];

/**
 * The kind of a unit from its name: 镇 town, 街道/办事处 subdistrict, 公司/集团 soe, 委/局/办 bureau, plus party
 * departments (区委…部) and mass organisations (工会, 团委, 妇联); anything else `other`. The office can correct it in
 * the directory later.
 */
export function guessUnitKind(name: string): UnitKind {
  const clean = cleanUnitName(name);
  for (const [pattern, kind] of KIND_RULES) if (pattern.test(clean)) return kind;
  if (/(委|局|办)/.test(clean)) return 'bureau';
  return 'other';
}

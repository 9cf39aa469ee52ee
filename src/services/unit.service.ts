/** Reading the unit directory (单位): each unit with its aliases. */
import { findUnitAliases, findUnits } from '../db/queries/unit.queries.ts';
import type { UnitKind } from '../db/schema.ts';
import { canViewUnitDirectory } from '../policies/plan.policy.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError } from './errors.ts';

export interface Unit {
  id: string;
  version: number;
  /** The short name plans use: 区文旅局. */
  name: string;
  fullName: string | null;
  kind: UnitKind;
  /** Other names documents use for it (区经委 for 区经济委员会), sorted. */
  aliases: string[];
}

/** The workspace's units by name. */
export async function listUnits(ctx: ServiceContext, actor: Actor): Promise<Unit[]> {
  if (!canViewUnitDirectory(actor)) {
    throw new ServiceError('forbidden', '无权查看单位目录（not allowed to read the unit directory）');
  }
  const [units, aliases] = await Promise.all([
    findUnits(ctx.db, actor.workspaceId),
    findUnitAliases(ctx.db, actor.workspaceId),
  ]);
  const aliasesOf = new Map<string, string[]>();
  for (const alias of aliases) {
    const list = aliasesOf.get(alias.unit_id) ?? [];
    list.push(alias.alias);
    aliasesOf.set(alias.unit_id, list);
  }
  return units.map((unit) => ({
    id: unit.id,
    version: unit.version,
    name: unit.name,
    fullName: unit.full_name,
    kind: unit.kind,
    aliases: aliasesOf.get(unit.id) ?? [],
  }));
}

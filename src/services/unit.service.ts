/**
 * The unit directory (单位): reading it, each unit with its aliases; and its upkeep by the system administrator
 * (三员: users and units), every change audited. Imports also add units (src/services/plan-units.ts).
 */
import type { Db } from '../db/database.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import {
  deleteUnitAliases,
  findUnit,
  findUnitAliases,
  findUnits,
  insertUnitAliases,
  insertUnits,
  updateUnit,
} from '../db/queries/unit.queries.ts';
import type { UnitKind } from '../db/schema.ts';
import { canViewUnitDirectory } from '../policies/plan.policy.ts';
import { canManageUnits } from '../policies/user.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, conflict, notFound, stale } from './errors.ts';
import { inTransaction } from './transaction.ts';

export interface Unit {
  id: string;
  version: number;
  /** The short name plans use: 区文旅局. */
  name: string;
  fullName: string | null;
  kind: UnitKind;
  /** A group the plans name by a placeholder (各区、县级市), kept as a group in a draft review. */
  isGroup: boolean;
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
    isGroup: unit.is_group === 1,
    aliases: aliasesOf.get(unit.id) ?? [],
  }));
}

export interface UnitInput {
  readonly name: string;
  readonly fullName?: string | null | undefined;
  readonly kind: UnitKind;
  /** Other names documents use; replaces the unit's aliases when given. */
  readonly aliases?: readonly string[] | undefined;
}

function cleanName(value: string, what: string): string {
  const trimmed = value.normalize('NFKC').trim();
  if (trimmed === '' || [...trimmed].length > 100) {
    throw new ServiceError('invalid-input', `${what}须为 1–100 个字符（${what}: 1–100 characters）`);
  }
  return trimmed;
}

function cleanAliases(aliases: readonly string[], name: string): string[] {
  const cleaned = [...new Set(aliases.map((alias) => cleanName(alias, '别名')))].filter((alias) => alias !== name);
  return cleaned.sort();
}

/** A name or alias another unit of the workspace already uses: 409 naming it. */
function nameTaken(error: unknown): ServiceError | null {
  if (!isUniqueViolation(error)) return null;
  return conflict('单位名称或别名已被其他单位使用（a unit already has this name or alias）');
}

async function writeAliases(trx: Db, workspaceId: string, unitId: string, aliases: readonly string[], at: string) {
  await deleteUnitAliases(trx, workspaceId, unitId);
  await insertUnitAliases(
    trx,
    aliases.map((alias) => ({
      id: newId('unitAlias'),
      workspace_id: workspaceId,
      unit_id: unitId,
      alias,
      created_at: at,
      updated_at: at,
    })),
  );
}

async function unitById(ctx: ServiceContext, actor: Actor, id: string): Promise<Unit> {
  const unit = (await listUnits(ctx, actor)).find((candidate) => candidate.id === id);
  if (unit === undefined) throw notFound('单位', id);
  return unit;
}

/** The system administrator adds a unit to the directory (单位目录维护). */
export async function createUnit(ctx: ServiceContext, actor: Actor, input: UnitInput): Promise<Unit> {
  if (!canManageUnits(actor))
    throw new ServiceError('forbidden', '只有系统管理员可以维护单位（only the system administrator）');
  const name = cleanName(input.name, '单位名称');
  const aliases = cleanAliases(input.aliases ?? [], name);
  const now = ctx.clock();
  const at = now.toISOString();
  const id = newId('unit');
  try {
    await inTransaction(ctx.db, async (trx) => {
      await insertUnits(trx, [
        {
          id,
          workspace_id: actor.workspaceId,
          name,
          full_name: input.fullName?.trim() || null,
          kind: input.kind,
          created_at: at,
          updated_at: at,
        },
      ]);
      await writeAliases(trx, actor.workspaceId, id, aliases, at);
      await recordAudit(trx, actor, now, {
        action: 'unit.create',
        subjectType: 'unit',
        subjectId: id,
        detail: { name, fullName: input.fullName ?? null, kind: input.kind, aliases },
      });
    });
  } catch (error) {
    throw nameTaken(error) ?? error;
  }
  return unitById(ctx, actor, id);
}

/** The system administrator renames a unit, or changes its full name, kind or aliases. */
export async function updateUnitEntry(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: UnitInput & { readonly version: number },
): Promise<Unit> {
  if (!canManageUnits(actor))
    throw new ServiceError('forbidden', '只有系统管理员可以维护单位（only the system administrator）');
  const existing = await findUnit(ctx.db, actor.workspaceId, id);
  if (existing === undefined) throw notFound('单位', id);
  const name = cleanName(input.name, '单位名称');
  const now = ctx.clock();
  const at = now.toISOString();
  try {
    await inTransaction(ctx.db, async (trx) => {
      const change = { name, full_name: input.fullName?.trim() || null, kind: input.kind };
      if (!(await updateUnit(trx, actor.workspaceId, id, input.version, change, at))) {
        throw stale('单位', id, input.version);
      }
      const aliases = input.aliases === undefined ? undefined : cleanAliases(input.aliases, name);
      if (aliases !== undefined) await writeAliases(trx, actor.workspaceId, id, aliases, at);
      await recordAudit(trx, actor, now, {
        action: 'unit.update',
        subjectType: 'unit',
        subjectId: id,
        detail: {
          before: { name: existing.name, fullName: existing.full_name, kind: existing.kind },
          after: change,
          aliases,
        },
      });
    });
  } catch (error) {
    throw nameTaken(error) ?? error;
  }
  return unitById(ctx, actor, id);
}

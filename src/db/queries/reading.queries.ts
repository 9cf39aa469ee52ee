/** Readings (reported values) of targets: those a report carries, and a target's recorded ones. */
import type { Db } from '../database.ts';
import type { NewReading, ReadingRow, ReportState } from '../schema.ts';
import { bySlices, chunks } from './support.ts';

/** The readings reports carry, by report and target. */
export async function findReadingsOfReports(
  db: Db,
  workspaceId: string,
  reportIds: readonly string[],
): Promise<ReadingRow[]> {
  return bySlices(reportIds, (slice) =>
    db
      .selectFrom('readings')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('report_id', 'in', slice)
      .orderBy('report_id')
      .orderBy('id')
      .execute(),
  );
}

export async function insertReadings(db: Db, rows: readonly NewReading[]): Promise<void> {
  for (const slice of chunks(rows)) await db.insertInto('readings').values(slice).execute();
}

/** Rewrites a report's reading (the report's version guards it, so no version of its own is checked). */
export async function updateReadingValue(
  db: Db,
  workspaceId: string,
  id: string,
  change: { value: number; source: string },
  at: string,
): Promise<void> {
  await db
    .updateTable('readings')
    .set((eb) => ({ ...change, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

export async function deleteReadings(db: Db, workspaceId: string, ids: readonly string[]): Promise<void> {
  for (const slice of chunks(ids)) {
    await db.deleteFrom('readings').where('workspace_id', '=', workspaceId).where('id', 'in', slice).execute();
  }
}

/** A reading with the report it came with (null for a reading entered without a report). */
export interface TargetReadingRow extends ReadingRow {
  report_unit_id: string | null;
  report_state: ReportState | null;
  report_submitted_at: string | null;
  /** The report's unit's name and the display name of who recorded the reading; null when they name nothing. */
  report_unit_name: string | null;
  created_by_name: string | null;
}

/** One target's readings that count (see `findReadingsOfTargets`), in period order. */
export function findReadingsOfTarget(
  db: Db,
  workspaceId: string,
  targetId: string,
  reportStates: readonly ReportState[],
): Promise<TargetReadingRow[]> {
  return findReadingsOfTargets(db, workspaceId, [targetId], reportStates);
}

/**
 * The targets' readings that count, those entered without a report
 * and those of reports in `reportStates`; by target, in period order, then by when they were recorded.
 */
export function findReadingsOfTargets(
  db: Db,
  workspaceId: string,
  targetIds: readonly string[],
  reportStates: readonly ReportState[],
): Promise<TargetReadingRow[]> {
  return bySlices(targetIds, (slice) =>
    db
      .selectFrom('readings as g')
      .leftJoin('reports as r', (join) =>
        join.onRef('r.workspace_id', '=', 'g.workspace_id').onRef('r.id', '=', 'g.report_id'),
      )
      .leftJoin('units as ru', (join) =>
        join.onRef('ru.workspace_id', '=', 'r.workspace_id').onRef('ru.id', '=', 'r.unit_id'),
      )
      .leftJoin('users as cu', (join) =>
        join.onRef('cu.workspace_id', '=', 'g.workspace_id').onRef('cu.id', '=', 'g.created_by'),
      )
      .selectAll('g')
      .select([
        'r.unit_id as report_unit_id',
        'ru.name as report_unit_name',
        'r.state as report_state',
        'r.submitted_at as report_submitted_at',
        'cu.display_name as created_by_name',
      ])
      .where('g.workspace_id', '=', workspaceId)
      .where('g.target_id', 'in', slice)
      .where((eb) => eb.or([eb('g.report_id', 'is', null), eb('r.state', 'in', [...reportStates])]))
      .orderBy('g.target_id')
      .orderBy('g.period')
      .orderBy('g.created_at')
      .orderBy('g.id')
      .execute(),
  );
}

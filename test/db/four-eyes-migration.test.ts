// Issue 9, finding 6 (four-eyes on unit approval), migration 0013: reports written before it get their writers from
// their creator and from the audit trail, so a report awaiting approval at the upgrade is judged by its history;
// plans get the self-approval setting, off.
import { Migrator, sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/database.ts';
import { newId } from '../../src/db/ids.ts';
import { MIGRATIONS } from '../../src/db/migrations/index.ts';
import { recordAudit } from '../../src/services/audit.ts';
import { inTransaction } from '../../src/services/transaction.ts';
import { buildActor } from '../factories.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { buildReportPlan } from '../report-factories.ts';

const NAMES = Object.keys(MIGRATIONS);
const BEFORE = NAMES[NAMES.indexOf('0013-four-eyes') - 1] ?? '';

describeEachDatabase(
  'finding 6: migration 0013 (four-eyes)',
  (database, dialect) => {
    it('fills reports.written_by from the creator and the trail’s writers, first writer first', async () => {
      const { db } = database();
      // On PostgreSQL, Kysely's bookkeeping tables in this schema, as migrateToLatest keeps them (unqualified, a
      // Migrator would look for them in `public`, where other test runs may have left theirs).
      const schema =
        dialect === 'postgres'
          ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
          : undefined;
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => MIGRATIONS },
        ...(schema === undefined ? {} : { migrationTableSchema: schema }),
      });
      expect((await migrator.migrateTo(BEFORE)).error).toBeUndefined();

      const plan = await buildReportPlan(db, { requiresUnitApproval: true });
      const ws = plan.workspaceId;
      const insertReport = async (createdBy: string | null, period: string) => {
        const id = newId('report');
        const at = '2021-10-01T02:00:00.000Z';
        await db
          .insertInto('reports')
          .values({
            id,
            workspace_id: ws,
            created_at: at,
            updated_at: at,
            task_id: plan.taskId,
            unit_id: plan.leads[0] ?? '',
            period,
            state: 'awaiting-approval',
            created_by: createdBy,
          })
          .execute();
        return id;
      };
      const audited = (userId: string, action: string, reportId: string, day: number) =>
        inTransaction(db, (trx) =>
          recordAudit(trx, buildActor(ws, { userId, roles: ['unit-approver'] }), new Date(Date.UTC(2021, 9, day)), {
            action,
            subjectType: 'report',
            subjectId: reportId,
          }),
        );
      const revised = await insertReport('usr_reporter', '2021-Q2');
      await audited('usr_reporter', 'report.create', revised, 1);
      await audited('usr_approver', 'report.update', revised, 2);
      await audited('usr_reporter', 'report.update', revised, 3);
      // Steps that change no content make no writer.
      await audited('usr_other', 'report.request-approval', revised, 4);
      await audited('usr_other', 'report.send-back', revised, 5);
      const untouched = await insertReport('usr_reporter', '2021-Q3');
      const anonymous = await insertReport(null, '2021-Q1');
      await audited('usr_approver', 'report.update', anonymous, 6);
      const nobody = await insertReport(null, '2021-Q4');

      await migrateToLatest(db);
      const rows = await db.selectFrom('reports').select(['id', 'written_by']).execute();
      const writers = new Map(rows.map((row) => [row.id, JSON.parse(row.written_by) as unknown]));
      expect(writers.get(revised)).toEqual(['usr_reporter', 'usr_approver']);
      expect(writers.get(untouched)).toEqual(['usr_reporter']);
      expect(writers.get(anonymous)).toEqual(['usr_approver']);
      expect(writers.get(nobody)).toEqual([]);
      const settings = await db
        .selectFrom('plans')
        .select('allow_self_approval')
        .where('id', '=', plan.planId)
        .execute();
      expect(settings).toEqual([{ allow_self_approval: 0 }]);

      // Down and up again: the columns go and come back, filled the same way.
      const migration = MIGRATIONS['0013-four-eyes'];
      if (migration?.down === undefined) throw new Error('migration 0013 is not listed, or has no down');
      await migration.down(db);
      // This database's own table (on PostgreSQL other test schemas share the server).
      const columns = async (table: string) =>
        (await db.introspection.getTables())
          .find((t) => t.name === table && t.schema === schema)
          ?.columns.map((column) => column.name);
      expect(await columns('reports')).toEqual(expect.arrayContaining(['narrative']));
      expect(await columns('reports')).not.toContain('written_by');
      expect(await columns('plans')).not.toContain('allow_self_approval');
      await migration.up(db);
      const again = await db.selectFrom('reports').select(['id', 'written_by']).where('id', '=', revised).execute();
      expect(again).toEqual([{ id: revised, written_by: '["usr_reporter","usr_approver"]' }]);
    });
  },
  { migrate: false },
);

import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest, type Db } from '../../src/db/database.ts';
import {
  ConstraintViolationError,
  isCheckViolation,
  isForeignKeyViolation,
  isNotNullViolation,
  isUniqueViolation,
  toDatabaseError,
} from '../../src/db/errors.ts';
import { newId } from '../../src/db/ids.ts';
import { MIGRATIONS } from '../../src/db/migrations/index.ts';
import {
  APPEND_ONLY_TABLES,
  AUDIT_OUTCOMES,
  CLOSE_OUT_STATES,
  COMPARATORS,
  CONFIDENCE_CODES,
  CYCLE_FREQUENCIES,
  NODE_KINDS,
  NOTICE_LEVELS,
  NOTICE_STATES,
  PLAN_DRAFT_STATES,
  REPORT_STATES,
  TABLE_NAMES,
  TASK_STATUSES,
  TASK_UNIT_ROLES,
  UNIT_KINDS,
  type TableName,
} from '../../src/db/schema.ts';
import { createTestDatabase, describeEachDatabase, TEST_DIALECTS } from '../helpers/db.ts';
import { sampleBlob, seedOneOfEach } from './one-of-each.ts';

interface ColumnInfo {
  name: string;
  dataType: string;
}

/** This database's own tables (on PostgreSQL other test schemas share the server), without Kysely's. */
async function ownTables(db: Db): Promise<Map<string, ColumnInfo[]>> {
  const schemaRows = await sql<{ schema: string | null }>`select current_schema() as schema`
    .execute(db)
    .catch(() => ({ rows: [{ schema: null }] }));
  const current = schemaRows.rows[0]?.schema ?? null;
  const tables = await db.introspection.getTables();
  return new Map(
    tables
      .filter((table) => (current === null || table.schema === undefined || table.schema === current) && !table.isView)
      .filter((table) => !table.name.startsWith('kysely_'))
      .map((table) => [table.name, table.columns.map(({ name, dataType }) => ({ name, dataType }))]),
  );
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the statement to fail');
}

describeEachDatabase(
  'migrations',
  (database, dialect) => {
    it('apply every migration once; a second run applies none', async () => {
      const { db } = database();
      const started = performance.now();
      expect(await migrateToLatest(db)).toEqual(Object.keys(MIGRATIONS));
      const elapsed = performance.now() - started;
      console.info(`[${dialect}] ${Object.keys(MIGRATIONS).length} migrations applied in ${elapsed.toFixed(0)} ms`);
      expect(await migrateToLatest(db)).toEqual([]);

      const tables = await ownTables(db);
      expect([...tables.keys()].sort()).toEqual([...TABLE_NAMES].sort());
      for (const [table, columns] of tables) {
        const names = columns.map((column) => column.name);
        expect(names, table).toContain('id');
        if (table !== 'workspaces') expect(names, table).toContain('workspace_id');
        const appendOnly = (APPEND_ONLY_TABLES as readonly string[]).includes(table);
        const version = columns.find((column) => column.name === 'version');
        if (appendOnly) {
          expect(version, `${table} is append-only`).toBeUndefined();
        } else {
          expect(version?.dataType.toLowerCase(), `${table}.version`).toMatch(/^int/);
          expect(names, table).toContain('updated_at');
        }
      }
    });
  },
  { migrate: false },
);

describeEachDatabase('schema', (database, dialect) => {
  it('stores and returns a row of every table as written, the file bytes included', async () => {
    const { db } = database();
    const written = await seedOneOfEach(db);
    const tables = await ownTables(db);
    for (const table of TABLE_NAMES) {
      const row = written[table];
      // schema.ts and the migration agree: the full row's keys are exactly the table's columns.
      expect(Object.keys(row).sort(), table).toEqual(
        tables
          .get(table)
          ?.map((column) => column.name)
          .sort(),
      );
      const { rows } = await sql<
        Record<string, unknown>
      >`select * from ${sql.table(table)} where id = ${row.id}`.execute(db);
      // The 300 KiB blob is compared once below, with Buffer.equals rather than element by element.
      const strip = (value: Record<string, unknown>) => (table === 'files' ? { ...value, data: 'blob' } : value);
      expect(rows.map(strip), table).toEqual([strip(row)]);
    }
    const file = await db
      .selectFrom('files')
      .select('data')
      .where('workspace_id', '=', written.files.workspace_id)
      .where('id', '=', written.files.id)
      .executeTakeFirstOrThrow();
    expect(Buffer.isBuffer(file.data)).toBe(true);
    expect(file.data?.equals(sampleBlob())).toBe(true);
  });

  it('applies column defaults: version 1, flags 0, codes at their first state', async () => {
    const { db } = database();
    const { units, tasks } = await seedOneOfEach(db);
    const id = newId('report');
    await db
      .insertInto('reports')
      .values({
        id,
        workspace_id: units.workspace_id,
        task_id: tasks.id,
        unit_id: units.id,
        period: '2021-Q4',
        percent_done: null,
        confidence: null,
        approved_at: null,
        approved_by: null,
        submitted_at: null,
        decided_at: null,
        decided_by: null,
        return_reason: null,
        idempotency_key: null,
        created_by: null,
        created_at: '2021-10-01T00:00:00.000Z',
        updated_at: '2021-10-01T00:00:00.000Z',
      })
      .execute();
    const report = await db
      .selectFrom('reports')
      .select(['version', 'state', 'is_late', 'narrative'])
      .where('workspace_id', '=', units.workspace_id)
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(report).toEqual({ version: 1, state: 'draft', is_late: 0, narrative: '' });
  });

  it('accepts every code schema.ts lists and refuses others (CHECK constraints)', async () => {
    const { db } = database();
    const rows = await seedOneOfEach(db);
    const codes: [TableName, string, readonly string[]][] = [
      ['units', 'kind', UNIT_KINDS],
      ['plan_drafts', 'state', PLAN_DRAFT_STATES],
      ['plans', 'cycle_frequency', CYCLE_FREQUENCIES],
      ['nodes', 'kind', NODE_KINDS],
      ['tasks', 'status', TASK_STATUSES],
      ['task_units', 'role', TASK_UNIT_ROLES],
      ['reports', 'state', REPORT_STATES],
      ['reports', 'confidence', CONFIDENCE_CODES],
      ['notices', 'level', NOTICE_LEVELS],
      ['notices', 'state', NOTICE_STATES],
      ['close_outs', 'state', CLOSE_OUT_STATES],
      ['audit_events', 'outcome', AUDIT_OUTCOMES],
    ];
    for (const [table, column, values] of codes) {
      const set = (value: string) =>
        sql`update ${sql.table(table)} set ${sql.ref(column)} = ${value} where id = ${rows[table].id}`.execute(db);
      for (const value of values) await set(value);
      expect(isCheckViolation(await rejection(set('no-such-code'))), `${table}.${column}`).toBe(true);
    }
    // Comparators are checked together with value_high: only a range has an upper bound.
    for (const comparator of COMPARATORS) {
      await db
        .updateTable('targets')
        .set({ comparator, value_high: comparator === 'range' ? 900 : null })
        .where('id', '=', rows.targets.id)
        .execute();
    }
    const rangeWithoutTop = db
      .updateTable('targets')
      .set({ comparator: 'range', value_high: null })
      .where('id', '=', rows.targets.id)
      .execute();
    expect(isCheckViolation(await rejection(rangeWithoutTop))).toBe(true);
    const flag = db
      .updateTable('plans')
      .set({ published: 2 as 0 })
      .where('id', '=', rows.plans.id)
      .execute();
    expect(isCheckViolation(await rejection(flag))).toBe(true);
    const storedTwice = db.updateTable('files').set({ path: 'files/x.docx' }).where('id', '=', rows.files.id).execute();
    expect(isCheckViolation(await rejection(storedTwice))).toBe(true);
  });

  it('recognises a unique violation by its code', async () => {
    const { db } = database();
    const { workspaces, reports } = await seedOneOfEach(db);
    const duplicateKey = db.insertInto('workspaces').values(workspaces).execute();
    const error = await rejection(duplicateKey);
    expect(isUniqueViolation(error)).toBe(true);
    expect(isForeignKeyViolation(error)).toBe(false);

    // One report per task, unit and period.
    const second = { ...reports, id: newId('report'), idempotency_key: null };
    expect(isUniqueViolation(await rejection(db.insertInto('reports').values(second).execute()))).toBe(true);
    // A retried submission: same idempotency key in the workspace.
    const retried = { ...reports, id: newId('report'), period: '2021-Q4' };
    const retryError = await rejection(db.insertInto('reports').values(retried).execute());
    expect(isUniqueViolation(retryError)).toBe(true);
    // Without keys, two reports of different periods are fine (NULLs are distinct on both databases).
    await db
      .insertInto('reports')
      .values([
        { ...reports, id: newId('report'), period: '2021-Q4', idempotency_key: null },
        { ...reports, id: newId('report'), period: '2022-Q1', idempotency_key: null },
      ])
      .execute();

    const mapped = toDatabaseError(retryError);
    expect(mapped).toBeInstanceOf(ConstraintViolationError);
    expect((mapped as ConstraintViolationError).kind).toBe('unique');
    expect((mapped as ConstraintViolationError).constraint).toBe(
      dialect === 'postgres' ? 'reports_idempotency_key_key' : null,
    );
    // Wrapped by a service: still recognised through `cause`.
    expect(isUniqueViolation(new Error('submit failed', { cause: retryError }))).toBe(true);
  });

  it('recognises a foreign-key violation by its code, across workspaces too', async () => {
    const { db } = database();
    const mine = await seedOneOfEach(db);
    const theirs = await seedOneOfEach(db);

    const orphan = db
      .insertInto('units')
      .values({ ...mine.units, id: newId('unit'), workspace_id: newId('workspace'), name: '孤儿单位' })
      .execute();
    const error = await rejection(orphan);
    expect(isForeignKeyViolation(error)).toBe(true);
    expect(isUniqueViolation(error)).toBe(false);

    // A task of one workspace cannot name a unit of another: references carry the workspace.
    const crossWorkspace = db
      .insertInto('task_units')
      .values({ ...mine.task_units, id: newId('taskUnit'), unit_id: theirs.units.id, role: 'support' })
      .execute();
    expect(isForeignKeyViolation(await rejection(crossWorkspace))).toBe(true);

    // A unit that reports point at cannot be deleted.
    const stillUsed = db.deleteFrom('units').where('id', '=', mine.units.id).execute();
    expect(isForeignKeyViolation(await rejection(stillUsed))).toBe(true);
  });

  it('recognises a missing required value, and rolls back the whole transaction on any violation', async () => {
    const { db } = database();
    const { units } = await seedOneOfEach(db);
    const missing = sql`insert into units (id, workspace_id, version, created_at, updated_at, name, kind)
      values (${newId('unit')}, ${units.workspace_id}, 1, 'x', 'x', null, 'town')`.execute(db);
    expect(isNotNullViolation(await rejection(missing))).toBe(true);

    const renamed = '区经济和信息化委员会';
    const transaction = db.transaction().execute(async (trx) => {
      await trx.updateTable('units').set({ full_name: renamed }).where('id', '=', units.id).execute();
      await trx.insertInto('units').values(units).execute();
    });
    expect(isUniqueViolation(await rejection(transaction))).toBe(true);
    const unit = await db.selectFrom('units').select('full_name').where('id', '=', units.id).executeTakeFirstOrThrow();
    expect(unit.full_name).toBe(units.full_name);
  });

  it('returns numbers for counts and sums on both databases', async () => {
    const { db } = database();
    const { workspaces } = await seedOneOfEach(db);
    const totals = await db
      .selectFrom('readings')
      .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('value').as('sum')])
      .where('workspace_id', '=', workspaces.id)
      .executeTakeFirstOrThrow();
    expect(totals).toEqual({ count: 1, sum: 365.125 });
  });
});

describe.runIf(TEST_DIALECTS.includes('sqlite'))('SQLite settings', () => {
  it('runs in WAL mode with foreign keys enforced and a busy timeout', async () => {
    const { db, dispose } = await createTestDatabase('sqlite');
    try {
      const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
      const foreignKeys = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
      const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(db);
      expect(journal.rows).toEqual([{ journal_mode: 'wal' }]);
      expect(foreignKeys.rows).toEqual([{ foreign_keys: 1 }]);
      expect(busy.rows[0]?.timeout).toBe(5000);
    } finally {
      await dispose();
    }
  });
});

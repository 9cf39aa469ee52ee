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
  isNullable: boolean;
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
      .map((table) => [
        table.name,
        table.columns.map(({ name, dataType, isNullable }) => ({ name, dataType, isNullable })),
      ]),
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
      // 0003: what a re-import removed is marked by the plan version that dropped it, not by a negative position.
      for (const table of ['tasks', 'targets', 'nodes']) {
        const column = tables.get(table)?.find((c) => c.name === 'removed_in_version');
        expect(column?.dataType.toLowerCase(), `${table}.removed_in_version`).toMatch(/^int/);
        expect(column?.isNullable, `${table}.removed_in_version`).toBe(true);
      }
    });
  },
  { migrate: false },
);

describeEachDatabase(
  'migration 0003-removed-in-version',
  (database) => {
    const on = (month: number) => `2021-0${month}-01T02:00:00.000Z`;

    /**
     * The schema before 0003 and a plan at version 3 whose re-imports removed rows the old way, by negating their
     * position (−1 − position). Each row's `updated_at` is when it was last written.
     */
    async function seedBefore0003(db: Db) {
      for (const name of ['0001-initial', '0002-task-search']) await MIGRATIONS[name]?.up(db);
      const ws = newId('workspace');
      const planId = newId('plan');
      const scoped = (updatedOn: number) => ({ workspace_id: ws, created_at: on(1), updated_at: on(updatedOn) });
      await db
        .insertInto('workspaces')
        .values({ id: ws, name: '金山区', time_zone: 'Asia/Shanghai', created_at: on(1), updated_at: on(1) })
        .execute();
      await db
        .insertInto('plans')
        .values({ id: planId, ...scoped(3), title: '方案', current_version: 3, created_by: null })
        .execute();
      for (const number of [1, 2, 3]) {
        await db
          .insertInto('plan_versions')
          .values({
            id: newId('planVersion'),
            workspace_id: ws,
            created_at: on(number),
            plan_id: planId,
            number,
            file_id: null,
            draft: '{}',
            created_by: null,
          })
          .execute();
      }
      const addTask = async (key: string, position: number, updatedOn: number) => {
        const nodeId = newId('node');
        const taskId = newId('task');
        const common = { plan_id: planId, number: '', title: key, position };
        await db
          .insertInto('nodes')
          .values({ id: nodeId, ...scoped(updatedOn), ...common, parent_id: null, kind: 'task' })
          .execute();
        await db
          .insertInto('tasks')
          .values({ id: taskId, ...scoped(updatedOn), ...common, node_id: nodeId, key })
          .execute();
        return { nodeId, taskId };
      };
      const kept = await addTask('kept', 2, 1);
      // Removed by version 2 from position 4.
      const removedIn2 = await addTask('removed in 2', -5, 2);
      // Removed by version 3 from position 0, then written again (its cached status, say) after version 3.
      const removedIn3 = await addTask('removed in 3', -1, 5);
      const targetId = newId('target');
      await db
        .insertInto('targets')
        .values({
          id: targetId,
          ...scoped(3),
          plan_id: planId,
          task_id: kept.taskId,
          text: '到2025年达到100亿元',
          comparator: '>=',
          value_low: 100,
          unit: '亿元',
          position: -2,
        })
        .execute();
      return { kept, removedIn2, removedIn3, targetId };
    }

    async function stateOf(db: Db, table: 'nodes' | 'tasks' | 'targets', id: string) {
      return db
        .selectFrom(table)
        .select(['position', 'removed_in_version'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    }

    it('turns negative positions into removed_in_version, and back on the way down', async () => {
      const { db } = database();
      const { kept, removedIn2, removedIn3, targetId } = await seedBefore0003(db);
      const migration = MIGRATIONS['0003-removed-in-version'];
      if (migration?.down === undefined) throw new Error('migration 0003 is not listed, or has no down');
      const expectConverted = async () => {
        for (const table of ['nodes', 'tasks'] as const) {
          const id = (ids: { nodeId: string; taskId: string }) => (table === 'nodes' ? ids.nodeId : ids.taskId);
          expect(await stateOf(db, table, id(kept)), table).toEqual({ position: 2, removed_in_version: null });
          expect(await stateOf(db, table, id(removedIn2)), table).toEqual({ position: 4, removed_in_version: 2 });
          expect(await stateOf(db, table, id(removedIn3)), table).toEqual({ position: 0, removed_in_version: 3 });
        }
        expect(await stateOf(db, 'targets', targetId)).toEqual({ position: 1, removed_in_version: 3 });
      };

      await migration.up(db);
      await expectConverted();
      // A version number is at least 1.
      const zero = db.updateTable('tasks').set({ removed_in_version: 0 }).where('id', '=', kept.taskId).execute();
      expect(isCheckViolation(await rejection(zero))).toBe(true);

      await migration.down(db);
      expect((await ownTables(db)).get('tasks')?.map((column) => column.name)).not.toContain('removed_in_version');
      const { rows } = await sql<{ id: string; position: number }>`select id, position from tasks`.execute(db);
      expect(new Map(rows.map((row) => [row.id, row.position]))).toEqual(
        new Map([
          [kept.taskId, 2],
          [removedIn2.taskId, -5],
          [removedIn3.taskId, -1],
        ]),
      );

      await migration.up(db);
      await expectConverted();
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
    ];
    for (const [table, column, values] of codes) {
      const set = (value: string) =>
        sql`update ${sql.table(table)} set ${sql.ref(column)} = ${value} where id = ${rows[table].id}`.execute(db);
      for (const value of values) await set(value);
      expect(isCheckViolation(await rejection(set('no-such-code'))), `${table}.${column}`).toBe(true);
    }
    // Audit events are never updated (migration 0008 refuses it): their outcome is checked on each new event.
    let previous = rows.audit_events;
    for (const outcome of AUDIT_OUTCOMES) {
      const next = { ...previous, id: newId('auditEvent'), seq: previous.seq + 1, prev_hash: previous.hash, outcome };
      await db.insertInto('audit_events').values(next).execute();
      previous = next;
    }
    const badOutcome = { ...previous, id: newId('auditEvent'), seq: previous.seq + 1, prev_hash: previous.hash };
    const insertBad = sql`insert into audit_events (id, workspace_id, seq, at, action, outcome, prev_hash, hash)
      values (${badOutcome.id}, ${badOutcome.workspace_id}, ${badOutcome.seq}, ${badOutcome.at}, 'x', 'no-such-code',
        ${badOutcome.prev_hash}, ${badOutcome.hash})`.execute(db);
    expect(isCheckViolation(await rejection(insertBad)), 'audit_events.outcome').toBe(true);
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

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.ts';
import { DatabaseOpenError, migrateToLatest, openDatabase } from '../../src/db/database.ts';
import { MIGRATIONS } from '../../src/db/migrations/index.ts';
import { PREPARED_PER_CONNECTION } from '../../src/db/prepared-statements.ts';
import { TEST_DIALECTS, createTestDatabase } from '../helpers/db.ts';

describe.runIf(TEST_DIALECTS.includes('sqlite'))('openDatabase on SQLite', () => {
  it('creates the folder of a new database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'luoshi-open-'));
    try {
      const filename = join(dir, 'nested', 'deeper', 'luoshi.db');
      const handle = await openDatabase({ database: { dialect: 'sqlite', filename } });
      expect(handle.dialect).toBe('sqlite');
      expect(await migrateToLatest(handle.db)).toEqual(Object.keys(MIGRATIONS));
      await handle.close();
      expect(existsSync(filename)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens sqlite::memory: for quick tests', async () => {
    const database = parseDatabaseUrl('sqlite::memory:');
    if (database === null) throw new Error('sqlite::memory: should parse');
    const handle = await openDatabase({ database });
    try {
      expect(await migrateToLatest(handle.db)).toEqual(Object.keys(MIGRATIONS));
      const { rows } = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(handle.db);
      expect(rows).toEqual([{ foreign_keys: 1 }]);
    } finally {
      await handle.close();
    }
  });

  it('keeps prepared statements: fresh parameters, a stream left early, a changed table, more texts than kept', async () => {
    const handle = await openDatabase({ database: { dialect: 'sqlite', filename: ':memory:' } });
    try {
      const { db } = handle;
      await sql`create table t (n integer)`.execute(db);
      await sql`insert into t (n) values (1), (2), (3)`.execute(db);
      const all = () =>
        db
          .selectFrom('t' as never)
          .select(sql<number>`n`.as('n'))
          .orderBy(sql`n`)
          .execute();
      expect(await all()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      // The same text again: the kept statement, with fresh parameters and fresh rows.
      await sql`insert into t (n) values (${4})`.execute(db);
      await sql`insert into t (n) values (${5})`.execute(db);
      expect((await all()).map((row) => row.n)).toEqual([1, 2, 3, 4, 5]);
      // The same text streamed, the stream left after its first row, then run again: the statement is free again.
      for await (const row of db
        .selectFrom('t' as never)
        .select(sql<number>`n`.as('n'))
        .orderBy(sql`n`)
        .stream()) {
        expect(row.n).toBe(1);
        break;
      }
      expect((await all()).map((row) => row.n)).toEqual([1, 2, 3, 4, 5]);
      // A kept statement follows a change of the table it reads.
      await sql`alter table t add column m integer default 7`.execute(db);
      const wide = () => sql<{ n: number; m: number }>`select * from t order by n limit 1`.execute(db);
      expect((await wide()).rows).toEqual([{ n: 1, m: 7 }]);
      // More distinct texts than are kept: the oldest go, and each still runs.
      for (let i = 0; i < 600; i++) await sql.raw(`select ${i} as i`).execute(db);
      expect((await sql.raw<{ i: number }>('select 0 as i').execute(db)).rows).toEqual([{ i: 0 }]);
      expect((await wide()).rows).toEqual([{ n: 1, m: 7 }]);
    } finally {
      await handle.close();
    }
  });

  it('says which file it could not open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'luoshi-open-'));
    try {
      // A directory where the file should be.
      const open = openDatabase({ database: { dialect: 'sqlite', filename: dir } });
      await expect(open).rejects.toThrow(DatabaseOpenError);
      await expect(open).rejects.toThrow(`无法打开数据库 sqlite:${dir}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(TEST_DIALECTS.includes('postgres'))('openDatabase on PostgreSQL', () => {
  it('says which server it could not reach, without the password', async () => {
    const open = openDatabase(
      {
        database: {
          dialect: 'postgres',
          connectionString: 'postgres://luoshi:s3cret@127.0.0.1:1/luoshi',
          schema: null,
          prepare: true,
        },
      },
      { timeoutMs: 1000 },
    );
    await expect(open).rejects.toThrow(DatabaseOpenError);
    await expect(open).rejects.toThrow(/^无法打开数据库 postgres:\/\/luoshi@127\.0\.0\.1:1\/luoshi：/);
    await expect(open).rejects.not.toThrow(/s3cret/);
  });

  it.each([true, false])(
    'runs statements again and again, more than a connection prepares, and after their table changed (prepare: %s)',
    async (prepare) => {
      const handle = await createTestDatabase('postgres', { migrate: false, prepare, poolSize: 1 });
      try {
        const { db } = handle;
        await sql`create table t (n integer)`.execute(db);
        for (let n = 1; n <= 8; n++) await sql`insert into t (n) values (${n})`.execute(db);
        const sum = async () =>
          (await sql<{ s: number }>`select sum(n)::int as s from t where n > ${0}`.execute(db)).rows;
        expect(await sum()).toEqual([{ s: 36 }]);
        // `select *` prepared, then its table gains a column: PostgreSQL refuses the prepared statement once
        // ("cached plan must not change result type"), and its connection is replaced rather than reused.
        const all = () => sql<Record<string, number>>`select * from t where n = ${1}`.execute(db);
        expect((await all()).rows).toEqual([{ n: 1 }]);
        await sql`alter table t add column m integer default 7`.execute(db);
        const after = await all().then(
          (result) => result.rows,
          (error: unknown) => (error as { code?: string }).code,
        );
        expect(after).toEqual(prepare ? '0A000' : [{ n: 1, m: 7 }]);
        expect((await all()).rows).toEqual([{ n: 1, m: 7 }]);
        // More distinct texts than one connection prepares: the rest run unnamed, and the first still run.
        for (let i = 0; i <= PREPARED_PER_CONNECTION; i++) {
          expect((await sql.raw<{ i: number }>(`select ${i} as i`).execute(db)).rows).toEqual([{ i }]);
        }
        expect(await sum()).toEqual([{ s: 36 }]);
      } finally {
        await handle.dispose();
      }
    },
  );
});

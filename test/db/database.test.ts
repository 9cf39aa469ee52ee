import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.ts';
import { DatabaseOpenError, migrateToLatest, openDatabase } from '../../src/db/database.ts';
import { MIGRATIONS } from '../../src/db/migrations/index.ts';
import { TEST_DIALECTS } from '../helpers/db.ts';

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
        },
      },
      { timeoutMs: 1000 },
    );
    await expect(open).rejects.toThrow(DatabaseOpenError);
    await expect(open).rejects.toThrow(/^无法打开数据库 postgres:\/\/luoshi@127\.0\.0\.1:1\/luoshi：/);
    await expect(open).rejects.not.toThrow(/s3cret/);
  });
});

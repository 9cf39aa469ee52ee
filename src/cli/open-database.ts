/**
 * Opening the server's database for a command that works on it as it is: never created, never migrated. A command
 * refuses a SQLite file that is not there (opening it would create an empty one, and a typo must not pass for an
 * empty database), a database that holds no Luoshi schema, and a schema older than this program (start the server
 * once to migrate it).
 */
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { DatabaseConfig } from '../config.ts';
import { openDatabase, type DatabaseHandle } from '../db/database.ts';
import { migrationStatus } from '../db/migration-status.ts';

/** The database cannot be worked on as it is: one line for the operator, and exit code 2. */
export class DatabaseNotReady extends Error {
  override readonly name = 'DatabaseNotReady';
}

/**
 * Opens the database; with the audit key (AUDIT_KEY), the events the command writes keep their chain's head
 * anchored, as the server's do.
 */
export async function openExistingDatabase(
  database: DatabaseConfig,
  auditKey: KeyObject | null = null,
): Promise<DatabaseHandle> {
  if (database.dialect === 'sqlite' && database.filename !== ':memory:' && !existsSync(database.filename)) {
    throw new DatabaseNotReady(`数据库文件不存在：${database.filename}（no such database file）`);
  }
  const handle = await openDatabase({ database, auditKey }, { poolSize: 2 });
  try {
    const status = await migrationStatus(handle.db);
    if (status.isEmpty) {
      throw new DatabaseNotReady('数据库尚未初始化：请先启动一次服务（the database holds no Luoshi schema）');
    }
    if (status.pending.length > 0) {
      throw new DatabaseNotReady(
        `数据库结构版本较旧，缺少迁移 ${status.pending.join('、')}；请先启动一次服务完成迁移` +
          `（the schema is older than this program: ${status.pending.join(', ')} not applied）`,
      );
    }
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

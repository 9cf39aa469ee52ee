/**
 * Running a service's writes as one transaction, retried when the database says the transaction lost a race
 * (SQLite busy past its timeout, a PostgreSQL serialization failure or deadlock) — never on any other error.
 */
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import { isRetryableTransactionError } from '../db/errors.ts';
import type { Database } from '../db/schema.ts';

const ATTEMPTS = 3;

export async function inTransaction<T>(db: Db, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (attempt >= ATTEMPTS || !isRetryableTransactionError(error)) throw error;
    }
  }
}

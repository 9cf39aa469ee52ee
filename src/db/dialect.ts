import { PostgresAdapter, type DialectAdapter } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

/** Anything that runs queries: a `Kysely`, a `Transaction`, or the untyped handle migrations receive. */
export interface HasExecutor {
  getExecutor(): { readonly adapter: DialectAdapter };
}

/** Which database a handle talks to, from its adapter (no query, no configuration needed). */
export function dialectOf(db: HasExecutor): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

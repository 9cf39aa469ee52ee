/**
 * PostgreSQL connections that prepare what they run. Kysely hands `pg` each query as text; this pool gives each
 * distinct text a name (a named statement of the extended query protocol), so a connection parses a statement once
 * and runs it again with new parameters. After five runs PostgreSQL keeps a generic plan when it costs no more than
 * planning each time (`plan_cache_mode = auto`), and skips planning too — what JDBC, asyncpg and postgres.js do.
 * On a report submit (a dozen statements, each looking up a few rows by key) PostgreSQL's CPU fell by about a third.
 *
 * Bounded: a connection prepares at most `PREPARED_PER_CONNECTION` texts and the pool names at most `NAMED_TEXTS`;
 * beyond these, statements run unnamed as before. The pool closes idle connections, and their statements go too.
 * A statement whose result columns changed under it (a migration run while the connection was open:
 * "cached plan must not change result type") fails once, and its connection is closed rather than reused.
 *
 * `?prepare=off` in DATABASE_URL turns it off: a pooler in transaction mode (PgBouncer before 1.21) cannot keep a
 * session's statements.
 */
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

export const PREPARED_PER_CONNECTION = 200;
const NAMED_TEXTS = 5000;

// SQLSTATE 0A000 (feature_not_supported) is what PostgreSQL answers for "cached plan must not change result type".
const STALE_PLAN = '0A000';

export function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const preparedOn = new WeakMap<pg.PoolClient, Set<string>>();

  /** The statement's name on this connection, or undefined to run it unnamed. */
  function nameFor(text: string, prepared: Set<string>): string | undefined {
    let name = names.get(text);
    if (name === undefined) {
      if (names.size >= NAMED_TEXTS) return undefined;
      name = `luoshi_${names.size + 1}`;
      names.set(text, name);
    }
    if (prepared.has(name)) return name;
    if (prepared.size >= PREPARED_PER_CONNECTION) return undefined;
    prepared.add(name);
    return name;
  }

  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let prepared = preparedOn.get(client);
      if (prepared === undefined) preparedOn.set(client, (prepared = new Set()));
      const statements = prepared;
      let stale = false;

      function query<R>(text: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
      function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
      function query<R>(
        textOrCursor: string | PostgresCursor<R>,
        parameters?: ReadonlyArray<unknown>,
      ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
        if (typeof textOrCursor !== 'string') return client.query(textOrCursor as never) as PostgresCursor<R>;
        const name = nameFor(textOrCursor, statements);
        const values = [...(parameters ?? [])];
        const run = client.query(
          name === undefined ? { text: textOrCursor, values } : { name, text: textOrCursor, values },
        );
        return run.then(
          (result) => result as unknown as PostgresQueryResult<R>,
          (error: unknown) => {
            if ((error as { code?: unknown }).code === STALE_PLAN) stale = true;
            throw error;
          },
        );
      }

      return { query, release: (destroy?: boolean) => client.release(destroy === true || stale) };
    },
    end: () => pool.end(),
  };
}

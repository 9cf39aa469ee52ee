/**
 * The audit trail made append-only in the database, and its chain head kept apart from the events.
 *
 * - `audit_heads`: one row per workspace (`id` is always `head`) holding the latest event's `seq` and `hash`. The
 *   audit writer moves it on in the transaction of every event, so verification can tell a chain cut at the end, or
 *   rows appended without the writer, from a whole one. Filled here from each workspace's latest event: a trail
 *   tampered with before this migration is taken as it stands.
 * - Guards, for ordinary use of the database (the application's own connection, a careless `DELETE`): rows of
 *   `audit_events` cannot be updated or deleted (nor, on PostgreSQL, truncated); a new event must take the next seq
 *   and carry the hash of the event before it; the head cannot be deleted, and moves only one seq at a time, onto
 *   the workspace's latest event with that hash. Whoever owns the database can drop or disable these triggers —
 *   verification (`luoshi audit verify`) is what then tells the change, and anchoring the head outside the database
 *   is the deployment's part.
 *
 * Nothing deletes audit events: retention is unlimited (等保 asks for at least 180 days).
 *
 * On PostgreSQL the refusals raise SQLSTATE 23001 (restrict_violation); on SQLite, RAISE(ABORT) gives
 * SQLITE_CONSTRAINT_TRIGGER. Like every released migration, this file does not change once released.
 */
import { sql, type ColumnDefinitionBuilder } from 'kysely';
import { dialectOf } from '../dialect.ts';
import { transactional } from './support.ts';

const required = (c: ColumnDefinitionBuilder) => c.notNull();

const REFUSE_CHANGE = '审计事件只能追加，不能修改或删除（audit_events is append-only）';
const REFUSE_INSERT = '审计事件必须按序号追加在链尾，并带上前一事件的哈希（an audit event must extend its chain）';
const REFUSE_HEAD = '审计链头只能随新事件逐条前移，不能删除（the audit chain head only moves onto the next event）';

/** The head's condition, on both dialects: `NEW` names the latest event of its workspace, by seq and hash. */
const HEAD_NAMES_LATEST_EVENT = `
  NEW.seq = (SELECT max(e.seq) FROM audit_events e WHERE e.workspace_id = NEW.workspace_id)
  AND EXISTS (SELECT 1 FROM audit_events e
    WHERE e.workspace_id = NEW.workspace_id AND e.seq = NEW.seq AND e.hash = NEW.hash)`;

/** A new event's condition: the next seq of its workspace, chained on the hash of the event before it. */
const EVENT_EXTENDS_CHAIN = `
  NEW.seq = coalesce((SELECT max(e.seq) FROM audit_events e WHERE e.workspace_id = NEW.workspace_id), 0) + 1
  AND NEW.prev_hash IS NOT DISTINCT FROM
    (SELECT e.hash FROM audit_events e WHERE e.workspace_id = NEW.workspace_id AND e.seq = NEW.seq - 1)`;

const SQLITE_TRIGGERS = [
  `CREATE TRIGGER audit_events_refuse_update BEFORE UPDATE ON audit_events
   BEGIN SELECT RAISE(ABORT, '${REFUSE_CHANGE}'); END`,
  `CREATE TRIGGER audit_events_refuse_delete BEFORE DELETE ON audit_events
   BEGIN SELECT RAISE(ABORT, '${REFUSE_CHANGE}'); END`,
  `CREATE TRIGGER audit_events_append_only BEFORE INSERT ON audit_events
   WHEN NOT (${EVENT_EXTENDS_CHAIN.replaceAll('IS NOT DISTINCT FROM', 'IS')})
   BEGIN SELECT RAISE(ABORT, '${REFUSE_INSERT}'); END`,
  `CREATE TRIGGER audit_heads_check_insert BEFORE INSERT ON audit_heads
   WHEN NOT (${HEAD_NAMES_LATEST_EVENT})
   BEGIN SELECT RAISE(ABORT, '${REFUSE_HEAD}'); END`,
  `CREATE TRIGGER audit_heads_check_update BEFORE UPDATE ON audit_heads
   WHEN NOT (NEW.workspace_id = OLD.workspace_id AND NEW.id = OLD.id AND NEW.seq = OLD.seq + 1
     AND ${HEAD_NAMES_LATEST_EVENT})
   BEGIN SELECT RAISE(ABORT, '${REFUSE_HEAD}'); END`,
  `CREATE TRIGGER audit_heads_refuse_delete BEFORE DELETE ON audit_heads
   BEGIN SELECT RAISE(ABORT, '${REFUSE_HEAD}'); END`,
];

// `SET search_path FROM CURRENT`: the functions find the tables of the schema they were created in, whatever the
// search path of the session that fires them.
const POSTGRES_STATEMENTS = [
  `CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
   BEGIN
     RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = TG_ARGV[0];
   END $$`,
  `CREATE FUNCTION audit_events_check_insert() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
   BEGIN
     IF NOT (${EVENT_EXTENDS_CHAIN}) THEN
       RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = '${REFUSE_INSERT}';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE FUNCTION audit_heads_check_write() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
   BEGIN
     IF TG_OP = 'UPDATE' AND NOT (NEW.workspace_id = OLD.workspace_id AND NEW.id = OLD.id
         AND NEW.seq = OLD.seq + 1) THEN
       RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = '${REFUSE_HEAD}';
     END IF;
     IF NOT coalesce(${HEAD_NAMES_LATEST_EVENT}, false) THEN
       RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = '${REFUSE_HEAD}';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER audit_events_refuse_change BEFORE UPDATE OR DELETE ON audit_events
   FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('${REFUSE_CHANGE}')`,
  `CREATE TRIGGER audit_events_refuse_truncate BEFORE TRUNCATE ON audit_events
   FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change('${REFUSE_CHANGE}')`,
  `CREATE TRIGGER audit_events_append_only BEFORE INSERT ON audit_events
   FOR EACH ROW EXECUTE FUNCTION audit_events_check_insert()`,
  `CREATE TRIGGER audit_heads_check_write BEFORE INSERT OR UPDATE ON audit_heads
   FOR EACH ROW EXECUTE FUNCTION audit_heads_check_write()`,
  `CREATE TRIGGER audit_heads_refuse_delete BEFORE DELETE ON audit_heads
   FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('${REFUSE_HEAD}')`,
  `CREATE TRIGGER audit_heads_refuse_truncate BEFORE TRUNCATE ON audit_heads
   FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change('${REFUSE_HEAD}')`,
];

export const up = transactional(async (db) => {
  await db.schema
    .createTable('audit_heads')
    .addColumn('id', 'text', (c) => c.notNull().check(sql`id = 'head'`))
    .addColumn('workspace_id', 'text', required)
    .addColumn('version', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`version >= 1`),
    )
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addColumn('seq', 'integer', (c) => c.notNull().check(sql`seq >= 1`))
    .addColumn('hash', 'text', required)
    .addPrimaryKeyConstraint('audit_heads_pkey', ['workspace_id', 'id'])
    .addForeignKeyConstraint('audit_heads_workspace_id_fkey', ['workspace_id'], 'workspaces', ['id'])
    .execute();

  // Each workspace's latest event, as the trail stands now.
  await sql`insert into audit_heads (id, workspace_id, version, created_at, updated_at, seq, hash)
    select 'head', e.workspace_id, 1, e.at, e.at, e.seq, e.hash from audit_events e
    where e.seq = (select max(m.seq) from audit_events m where m.workspace_id = e.workspace_id)`.execute(db);

  const statements = dialectOf(db) === 'postgres' ? POSTGRES_STATEMENTS : SQLITE_TRIGGERS;
  for (const statement of statements) await sql.raw(statement).execute(db);
});

export const down = transactional(async (db) => {
  if (dialectOf(db) === 'postgres') {
    await sql`drop trigger audit_events_refuse_change on audit_events`.execute(db);
    await sql`drop trigger audit_events_refuse_truncate on audit_events`.execute(db);
    await sql`drop trigger audit_events_append_only on audit_events`.execute(db);
  } else {
    for (const name of ['audit_events_refuse_update', 'audit_events_refuse_delete', 'audit_events_append_only']) {
      await sql`drop trigger ${sql.id(name)}`.execute(db);
    }
  }
  // The head's own triggers go with its table.
  await db.schema.dropTable('audit_heads').execute();
  if (dialectOf(db) === 'postgres') {
    for (const name of ['audit_refuse_change', 'audit_events_check_insert', 'audit_heads_check_write']) {
      await sql`drop function ${sql.id(name)}()`.execute(db);
    }
  }
});

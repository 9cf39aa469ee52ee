/**
 * The delivery domain's tables, one definition for SQLite and PostgreSQL. Only the binary column type differs.
 *
 * This file is history: once released it does not change (a new migration alters what it made). That is why it
 * spells out its own code lists and helpers instead of importing them from schema.ts.
 */
import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.ts';
import { transactional } from './support.ts';

type Table = CreateTableBuilder<string, string>;
type Step = (t: Table) => Table;
type Column = (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

const required: Column = (c) => c.notNull();

function inList(column: string, values: readonly (string | number)[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

/** A code column; a NULL passes the CHECK (SQL's unknown), so the same helper serves nullable columns. */
function oneOf(column: string, values: readonly string[], options: { fallback?: string; nullable?: boolean } = {}) {
  return (c: ColumnDefinitionBuilder) => {
    let built = c.check(inList(column, values));
    if (options.nullable !== true) built = built.notNull();
    if (options.fallback !== undefined) built = built.defaultTo(options.fallback);
    return built;
  };
}

function flag(column: string): Column {
  return (c) =>
    c
      .notNull()
      .defaultTo(0)
      .check(inList(column, [0, 1]));
}

/** A reference within the workspace: `(workspace_id, column)` → `target (workspace_id, id)`. */
function ref(table: string, column: string, target: string, onDelete?: 'cascade'): Step {
  return (t) =>
    t.addForeignKeyConstraint(
      `${table}_${column}_fkey`,
      ['workspace_id', column],
      target,
      ['workspace_id', 'id'],
      onDelete === undefined ? undefined : (fk) => fk.onDelete(onDelete),
    );
}

function unique(table: string, columns: readonly string[]): Step {
  return (t) => t.addUniqueConstraint(`${table}_${columns.join('_')}_key`, ['workspace_id', ...columns]);
}

function check(table: string, name: string, expression: ReturnType<typeof sql>): Step {
  return (t) => t.addCheckConstraint(`${table}_${name}_check`, expression);
}

type Shape = 'mutable' | 'append-only' | 'log';

/**
 * Creates a workspace-scoped table: `id`, `workspace_id`, then `version`/`created_at`/`updated_at` as its shape
 * asks, then its own columns (so a blob can come last), keyed by `(workspace_id, id)`.
 */
async function createTable(db: Kysely<unknown>, name: string, shape: Shape, ...steps: Step[]): Promise<void> {
  let t: Table = db.schema
    .createTable(name)
    .addColumn('id', 'text', required)
    .addColumn('workspace_id', 'text', required);
  if (shape === 'mutable')
    t = t.addColumn('version', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`version >= 1`),
    );
  if (shape !== 'log') t = t.addColumn('created_at', 'text', required);
  if (shape === 'mutable') t = t.addColumn('updated_at', 'text', required);
  for (const step of steps) t = step(t);
  await t
    .addPrimaryKeyConstraint(`${name}_pkey`, ['workspace_id', 'id'])
    .addForeignKeyConstraint(`${name}_workspace_id_fkey`, ['workspace_id'], 'workspaces', ['id'])
    .execute();
}

async function createIndex(db: Kysely<unknown>, table: string, columns: readonly string[]): Promise<void> {
  await db.schema
    .createIndex(`${table}_${columns.join('_')}_idx`)
    .on(table)
    .columns(['workspace_id', ...columns])
    .execute();
}

const UNIT_KINDS = ['bureau', 'town', 'subdistrict', 'soe', 'party', 'mass-org', 'vertical', 'external', 'other'];
const PLAN_DRAFT_STATES = ['open', 'confirmed', 'discarded'];
const CYCLE_FREQUENCIES = ['monthly', 'quarterly', 'half-yearly', 'yearly'];
const NODE_KINDS = ['part', 'strand', 'area', 'task', 'goal', 'measure'];
const TASK_STATUSES = ['not-started', 'on-track', 'at-risk', 'off-track', 'overdue', 'closed'];
const TASK_UNIT_ROLES = ['lead', 'support'];
const COMPARATORS = ['>=', '<=', '=', 'range', '>'];
const REPORT_STATES = ['draft', 'awaiting-approval', 'submitted', 'accepted', 'returned'];
const CONFIDENCE_CODES = ['green', 'amber-green', 'amber', 'amber-red', 'red'];
const NOTICE_LEVELS = ['reminder', 'urge', 'supervise', 'listed'];
const NOTICE_STATES = ['open', 'answered', 'closed', 'escalated'];
const CLOSE_OUT_STATES = ['requested', 'approved', 'rejected', 'withdrawn', 'reopened'];
const AUDIT_OUTCOMES = ['success', 'failure', 'denied'];

export const up = transactional(async (db) => {
  const binary = dialectOf(db) === 'postgres' ? 'bytea' : 'blob';

  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('version', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`version >= 1`),
    )
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addColumn('name', 'text', required)
    .addColumn('time_zone', 'text', required)
    .execute();

  await createTable(db, 'units', 'mutable', (t) =>
    t
      .addColumn('name', 'text', required)
      .addColumn('full_name', 'text')
      .addColumn('kind', 'text', oneOf('kind', UNIT_KINDS, { fallback: 'other' }))
      .$call(unique('units', ['name'])),
  );

  await createTable(db, 'unit_aliases', 'mutable', (t) =>
    t
      .addColumn('unit_id', 'text', required)
      .addColumn('alias', 'text', required)
      .$call(ref('unit_aliases', 'unit_id', 'units', 'cascade'))
      .$call(unique('unit_aliases', ['alias'])),
  );
  await createIndex(db, 'unit_aliases', ['unit_id']);

  await createTable(db, 'files', 'append-only', (t) =>
    t
      .addColumn('name', 'text', required)
      .addColumn('media_type', 'text', required)
      .addColumn('size', 'integer', (c) => c.notNull().check(sql`size >= 0`))
      .addColumn('sha256', 'text', required)
      .addColumn('path', 'text')
      .addColumn('created_by', 'text')
      .addColumn('data', binary)
      .$call(
        check('files', 'stored_once', sql`(data is not null and path is null) or (data is null and path is not null)`),
      ),
  );
  await createIndex(db, 'files', ['sha256']);

  await createTable(db, 'plans', 'mutable', (t) =>
    t
      .addColumn('title', 'text', required)
      .addColumn('doc_number', 'text')
      .addColumn('issuer', 'text')
      .addColumn('issued_on', 'text')
      .addColumn('start_year', 'integer')
      .addColumn('end_year', 'integer')
      .addColumn('vision_year', 'integer')
      .addColumn('cycle_frequency', 'text', oneOf('cycle_frequency', CYCLE_FREQUENCIES, { fallback: 'quarterly' }))
      .addColumn('cycle_due_days', 'integer', (c) =>
        c
          .notNull()
          .defaultTo(15)
          .check(sql`cycle_due_days between 0 and 366`),
      )
      .addColumn('requires_unit_approval', 'integer', flag('requires_unit_approval'))
      .addColumn('published', 'integer', flag('published'))
      .addColumn('current_version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_by', 'text'),
  );
  await createIndex(db, 'plans', ['doc_number']);

  await createTable(db, 'plan_drafts', 'mutable', (t) =>
    t
      .addColumn('file_id', 'text')
      .addColumn('draft', 'text', required)
      .addColumn('state', 'text', oneOf('state', PLAN_DRAFT_STATES, { fallback: 'open' }))
      .addColumn('plan_id', 'text')
      .addColumn('created_by', 'text')
      .$call(ref('plan_drafts', 'file_id', 'files'))
      .$call(ref('plan_drafts', 'plan_id', 'plans')),
  );
  await createIndex(db, 'plan_drafts', ['state', 'created_at']);
  await createIndex(db, 'plan_drafts', ['plan_id']);

  await createTable(db, 'plan_versions', 'append-only', (t) =>
    t
      .addColumn('plan_id', 'text', required)
      .addColumn('number', 'integer', (c) => c.notNull().check(sql`number >= 1`))
      .addColumn('file_id', 'text')
      .addColumn('draft', 'text', required)
      .addColumn('created_by', 'text')
      .$call(ref('plan_versions', 'plan_id', 'plans'))
      .$call(ref('plan_versions', 'file_id', 'files'))
      .$call(unique('plan_versions', ['plan_id', 'number'])),
  );

  await createTable(db, 'nodes', 'mutable', (t) =>
    t
      .addColumn('plan_id', 'text', required)
      .addColumn('parent_id', 'text')
      .addColumn('kind', 'text', oneOf('kind', NODE_KINDS))
      .addColumn('number', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('title', 'text', required)
      .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('source_start', 'integer')
      .addColumn('source_end', 'integer')
      .$call(ref('nodes', 'plan_id', 'plans'))
      .$call(ref('nodes', 'parent_id', 'nodes'))
      .$call(check('nodes', 'source', sql`source_end >= source_start`)),
  );
  await createIndex(db, 'nodes', ['plan_id', 'parent_id', 'position']);
  await createIndex(db, 'nodes', ['parent_id']);

  await createTable(db, 'tasks', 'mutable', (t) =>
    t
      .addColumn('plan_id', 'text', required)
      .addColumn('node_id', 'text', required)
      .addColumn('strand_node_id', 'text')
      .addColumn('key', 'text', required)
      .addColumn('number', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('title', 'text', required)
      .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('due_on', 'text')
      .addColumn('closed_at', 'text')
      .addColumn('status', 'text', oneOf('status', TASK_STATUSES, { nullable: true }))
      .addColumn('status_at', 'text')
      .addColumn('search_text', 'text', (c) => c.notNull().defaultTo(''))
      .$call(ref('tasks', 'plan_id', 'plans'))
      .$call(ref('tasks', 'node_id', 'nodes'))
      .$call(ref('tasks', 'strand_node_id', 'nodes'))
      .$call(unique('tasks', ['node_id']))
      .$call(unique('tasks', ['plan_id', 'key'])),
  );
  await createIndex(db, 'tasks', ['plan_id', 'position']);
  await createIndex(db, 'tasks', ['plan_id', 'strand_node_id']);
  await createIndex(db, 'tasks', ['plan_id', 'status']);
  await createIndex(db, 'tasks', ['due_on']);

  await createTable(db, 'task_units', 'mutable', (t) =>
    t
      .addColumn('task_id', 'text', required)
      .addColumn('unit_id', 'text', required)
      .addColumn('role', 'text', oneOf('role', TASK_UNIT_ROLES))
      .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
      .$call(ref('task_units', 'task_id', 'tasks', 'cascade'))
      .$call(ref('task_units', 'unit_id', 'units'))
      .$call(unique('task_units', ['task_id', 'unit_id'])),
  );
  // "My unit's tasks": the unit filter and every unit's home page.
  await createIndex(db, 'task_units', ['unit_id', 'role', 'task_id']);

  await createTable(db, 'targets', 'mutable', (t) =>
    t
      .addColumn('plan_id', 'text', required)
      .addColumn('task_id', 'text')
      .addColumn('goal_node_id', 'text')
      .addColumn('text', 'text', required)
      .addColumn('comparator', 'text', oneOf('comparator', COMPARATORS))
      .addColumn('value_low', 'double precision', required)
      .addColumn('value_high', 'double precision')
      .addColumn('unit', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('deadline', 'text')
      .addColumn('period', 'text')
      .addColumn('cumulative', 'integer', flag('cumulative'))
      .addColumn('baseline_value', 'double precision')
      .addColumn('baseline_period', 'text')
      .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
      .$call(ref('targets', 'plan_id', 'plans'))
      .$call(ref('targets', 'task_id', 'tasks'))
      .$call(ref('targets', 'goal_node_id', 'nodes'))
      // A range has both bounds; every other comparator has one value.
      .$call(
        check(
          'targets',
          'range',
          sql`(comparator = 'range' and value_high is not null) or (comparator <> 'range' and value_high is null)`,
        ),
      ),
  );
  await createIndex(db, 'targets', ['plan_id']);
  await createIndex(db, 'targets', ['task_id']);
  await createIndex(db, 'targets', ['goal_node_id']);

  await createTable(db, 'trajectory_points', 'mutable', (t) =>
    t
      .addColumn('target_id', 'text', required)
      .addColumn('period', 'text', required)
      .addColumn('planned', 'double precision', required)
      .$call(ref('trajectory_points', 'target_id', 'targets', 'cascade'))
      .$call(unique('trajectory_points', ['target_id', 'period'])),
  );

  await createTable(db, 'projects', 'mutable', (t) =>
    t
      .addColumn('task_id', 'text', required)
      .addColumn('owner_unit_id', 'text')
      .addColumn('name', 'text', required)
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('planned_start', 'text')
      .addColumn('planned_end', 'text')
      .addColumn('actual_start', 'text')
      .addColumn('actual_end', 'text')
      .$call(ref('projects', 'task_id', 'tasks'))
      .$call(ref('projects', 'owner_unit_id', 'units')),
  );
  await createIndex(db, 'projects', ['task_id']);
  await createIndex(db, 'projects', ['owner_unit_id']);

  await createTable(db, 'milestones', 'mutable', (t) =>
    t
      .addColumn('project_id', 'text', required)
      .addColumn('task_id', 'text', required)
      .addColumn('name', 'text', required)
      .addColumn('due_on', 'text', required)
      .addColumn('done_on', 'text')
      .addColumn('frozen', 'integer', flag('frozen'))
      .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
      .$call(ref('milestones', 'project_id', 'projects'))
      .$call(ref('milestones', 'task_id', 'tasks')),
  );
  await createIndex(db, 'milestones', ['task_id', 'due_on']);
  await createIndex(db, 'milestones', ['project_id', 'position']);

  await createTable(db, 'reports', 'mutable', (t) =>
    t
      .addColumn('task_id', 'text', required)
      .addColumn('unit_id', 'text', required)
      .addColumn('period', 'text', required)
      .addColumn('state', 'text', oneOf('state', REPORT_STATES, { fallback: 'draft' }))
      .addColumn('narrative', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('percent_done', 'integer', (c) => c.check(sql`percent_done between 0 and 100`))
      .addColumn('confidence', 'text', oneOf('confidence', CONFIDENCE_CODES, { nullable: true }))
      .addColumn('problems', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('next_steps', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('approved_at', 'text')
      .addColumn('approved_by', 'text')
      .addColumn('submitted_at', 'text')
      .addColumn('is_late', 'integer', flag('is_late'))
      .addColumn('decided_at', 'text')
      .addColumn('decided_by', 'text')
      .addColumn('return_reason', 'text')
      .addColumn('idempotency_key', 'text')
      .addColumn('created_by', 'text')
      .$call(ref('reports', 'task_id', 'tasks'))
      .$call(ref('reports', 'unit_id', 'units'))
      // One report per task, unit and period; its leading (workspace_id, task_id) also serves "a task's reports".
      .$call(unique('reports', ['task_id', 'unit_id', 'period']))
      // A retried submission finds the report it already made.
      .$call(unique('reports', ['idempotency_key'])),
  );
  await createIndex(db, 'reports', ['unit_id', 'period']);
  await createIndex(db, 'reports', ['state', 'submitted_at']);
  await createIndex(db, 'reports', ['period', 'state']);

  await createTable(db, 'report_contributions', 'mutable', (t) =>
    t
      .addColumn('report_id', 'text', required)
      .addColumn('unit_id', 'text', required)
      .addColumn('text', 'text', required)
      .addColumn('created_by', 'text')
      .$call(ref('report_contributions', 'report_id', 'reports', 'cascade'))
      .$call(ref('report_contributions', 'unit_id', 'units'))
      .$call(unique('report_contributions', ['report_id', 'unit_id'])),
  );
  await createIndex(db, 'report_contributions', ['unit_id']);

  await createTable(db, 'readings', 'mutable', (t) =>
    t
      .addColumn('target_id', 'text', required)
      .addColumn('report_id', 'text')
      .addColumn('period', 'text', required)
      .addColumn('value', 'double precision', required)
      .addColumn('source', 'text', (c) => c.notNull().defaultTo('report'))
      .addColumn('file_id', 'text')
      .addColumn('created_by', 'text')
      .$call(ref('readings', 'target_id', 'targets'))
      .$call(ref('readings', 'report_id', 'reports'))
      .$call(ref('readings', 'file_id', 'files')),
  );
  await createIndex(db, 'readings', ['target_id', 'period']);
  await createIndex(db, 'readings', ['report_id']);

  await createTable(db, 'notices', 'mutable', (t) =>
    t
      .addColumn('task_id', 'text', required)
      .addColumn('unit_id', 'text', required)
      .addColumn('level', 'text', oneOf('level', NOTICE_LEVELS))
      .addColumn('due_on', 'text', required)
      .addColumn('body', 'text', required)
      .addColumn('state', 'text', oneOf('state', NOTICE_STATES, { fallback: 'open' }))
      .addColumn('response', 'text')
      .addColumn('responded_at', 'text')
      .addColumn('responded_by', 'text')
      .addColumn('escalated_from_id', 'text')
      .addColumn('issued_by', 'text')
      .$call(ref('notices', 'task_id', 'tasks'))
      .$call(ref('notices', 'unit_id', 'units'))
      .$call(ref('notices', 'escalated_from_id', 'notices')),
  );
  await createIndex(db, 'notices', ['task_id', 'state']);
  await createIndex(db, 'notices', ['unit_id', 'state', 'due_on']);
  await createIndex(db, 'notices', ['escalated_from_id']);

  await createTable(db, 'close_outs', 'mutable', (t) =>
    t
      .addColumn('task_id', 'text', required)
      .addColumn('state', 'text', oneOf('state', CLOSE_OUT_STATES, { fallback: 'requested' }))
      .addColumn('evidence', 'text', required)
      .addColumn('file_id', 'text')
      .addColumn('requested_by', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('decided_by', 'text')
      .addColumn('reason', 'text')
      .$call(ref('close_outs', 'task_id', 'tasks'))
      .$call(ref('close_outs', 'file_id', 'files')),
  );
  await createIndex(db, 'close_outs', ['task_id', 'created_at']);
  await createIndex(db, 'close_outs', ['state', 'created_at']);

  await createTable(db, 'comments', 'mutable', (t) =>
    t
      .addColumn('subject_type', 'text', required)
      .addColumn('subject_id', 'text', required)
      .addColumn('body', 'text', required)
      .addColumn('author_id', 'text'),
  );
  await createIndex(db, 'comments', ['subject_type', 'subject_id', 'created_at']);

  await createTable(db, 'attachments', 'append-only', (t) =>
    t
      .addColumn('subject_type', 'text', required)
      .addColumn('subject_id', 'text', required)
      .addColumn('file_id', 'text', required)
      .addColumn('created_by', 'text')
      .$call(ref('attachments', 'file_id', 'files')),
  );
  await createIndex(db, 'attachments', ['subject_type', 'subject_id']);
  await createIndex(db, 'attachments', ['file_id']);

  await createTable(db, 'audit_events', 'log', (t) =>
    t
      .addColumn('seq', 'integer', (c) => c.notNull().check(sql`seq >= 1`))
      .addColumn('at', 'text', required)
      .addColumn('actor_id', 'text')
      .addColumn('actor_roles', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('action', 'text', required)
      .addColumn('subject_type', 'text')
      .addColumn('subject_id', 'text')
      .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('ip', 'text')
      .addColumn('outcome', 'text', oneOf('outcome', AUDIT_OUTCOMES))
      .addColumn('prev_hash', 'text')
      .addColumn('hash', 'text', required)
      // One chain per workspace, counted without gaps; two writers racing for a number collide here.
      .$call(unique('audit_events', ['seq'])),
  );
  await createIndex(db, 'audit_events', ['at']);
  await createIndex(db, 'audit_events', ['subject_type', 'subject_id']);
  await createIndex(db, 'audit_events', ['actor_id', 'at']);
});

const TABLES_CHILDREN_FIRST = [
  'audit_events',
  'attachments',
  'comments',
  'close_outs',
  'notices',
  'readings',
  'report_contributions',
  'reports',
  'milestones',
  'projects',
  'trajectory_points',
  'targets',
  'task_units',
  'tasks',
  'nodes',
  'plan_versions',
  'plan_drafts',
  'plans',
  'files',
  'unit_aliases',
  'units',
  'workspaces',
];

export const down = transactional(async (db) => {
  for (const table of TABLES_CHILDREN_FIRST) await db.schema.dropTable(table).execute();
});

/**
 * The database schema as Kysely sees it: one interface per table, with `…Row` / `New…` / `…Update` aliases.
 * Row types stay in the query and service layers; services map them to domain types.
 *
 * Portable storage, the same on SQLite and PostgreSQL (see src/db/README.md):
 * - ids are text made in code (`src/db/ids.ts`): `tsk_01JD…`;
 * - every table but `workspaces` carries `workspace_id`; keys are `(workspace_id, id)` and every reference names
 *   the workspace too, so a row can only point at rows of its own workspace and tables shard on workspace_id;
 * - instants are ISO-8601 UTC text (`2021-07-01T02:00:00.000Z`), calendar dates `YYYY-MM-DD`, periods the domain's
 *   keys (`2021-Q3`, `2021-M07`, `2021-H2`, `2021`), years integers;
 * - flags are integers 0/1 (a CHECK keeps them so), quantities double precision, JSON documents text;
 * - mutable rows have `version` (starts at 1; every update sets `version = version + 1` where it matched the
 *   version the client read, else 409) and `updated_at`; append-only tables have neither.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import { CONFIDENCE_CODES, type ConfidenceCode } from '../domain/vocabulary.ts';

/** ISO-8601 UTC instant as text, e.g. `2021-07-01T02:00:00.000Z`. */
export type IsoInstant = string;
/** Calendar date as text, `YYYY-MM-DD`. */
export type IsoDate = string;
/** A reporting period key: `2021-M07`, `2021-Q3`, `2021-H2` or `2021`. */
export type PeriodKey = string;
/** JSON text; the service that owns the column parses and validates it. */
export type JsonText = string;
/** A boolean stored as an integer. */
export type Flag = 0 | 1;

/** Set once on insert, never updated. */
type Immutable<T> = ColumnType<T, T, never>;
/** Has a database default: optional on insert. */
type Defaulted<T> = Generated<T>;

// ---- Codes stored in CHECK-constrained columns. The migration copies these lists; change both together. ----

/** 委办局, 镇, 街道, 国企, 党委部门, 群团, 垂直管理, an external body, anything else. */
export const UNIT_KINDS = [
  'bureau',
  'town',
  'subdistrict',
  'soe',
  'party',
  'mass-org',
  'vertical',
  'external',
  'other',
] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

export const PLAN_DRAFT_STATES = ['open', 'confirmed', 'discarded'] as const;
export type PlanDraftState = (typeof PLAN_DRAFT_STATES)[number];

export const CYCLE_FREQUENCIES = ['monthly', 'quarterly', 'half-yearly', 'yearly'] as const;
export type CycleFrequency = (typeof CYCLE_FREQUENCIES)[number];

export const NODE_KINDS = ['part', 'strand', 'area', 'task', 'goal', 'measure'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** A task's derived status, cached for list filters; the rules in `domain/` compute it, nobody types it in. */
export const TASK_STATUSES = ['not-started', 'on-track', 'at-risk', 'off-track', 'overdue', 'closed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_UNIT_ROLES = ['lead', 'support'] as const;
export type TaskUnitRole = (typeof TASK_UNIT_ROLES)[number];

export const COMPARATORS = ['>=', '<=', '=', 'range', '>'] as const;
export type ComparatorCode = (typeof COMPARATORS)[number];

/** draft → (awaiting-approval: 单位审核) → submitted → accepted | returned. */
export const REPORT_STATES = ['draft', 'awaiting-approval', 'submitted', 'accepted', 'returned'] as const;
export type ReportState = (typeof REPORT_STATES)[number];

/** Delivery confidence: the vocabulary's five levels. */
export { CONFIDENCE_CODES };
export type { ConfidenceCode };

/** 提醒 → 催办 → 督办 → 挂牌督办. */
export const NOTICE_LEVELS = ['reminder', 'urge', 'supervise', 'listed'] as const;
export type NoticeLevel = (typeof NOTICE_LEVELS)[number];

/** open (awaiting the unit) → answered → closed; escalated when a higher-level notice replaces it. */
export const NOTICE_STATES = ['open', 'answered', 'closed', 'escalated'] as const;
export type NoticeState = (typeof NOTICE_STATES)[number];

/** requested → approved | rejected; withdrawn by the unit; reopened (with a reason) after approval. */
export const CLOSE_OUT_STATES = ['requested', 'approved', 'rejected', 'withdrawn', 'reopened'] as const;
export type CloseOutState = (typeof CLOSE_OUT_STATES)[number];

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

// ---- Column groups ----

interface Keyed {
  id: Immutable<string>;
  workspace_id: Immutable<string>;
}

interface Mutable {
  version: Defaulted<number>;
  created_at: Immutable<IsoInstant>;
  updated_at: IsoInstant;
}

interface AppendOnly {
  created_at: Immutable<IsoInstant>;
}

// ---- Tables ----

export interface WorkspaceTable extends Mutable {
  id: Immutable<string>;
  name: string;
  time_zone: string;
}

export interface UnitTable extends Keyed, Mutable {
  /** The short name plans use: 区文旅局. Unique in the workspace. */
  name: string;
  /** 金山区文化和旅游局. */
  full_name: string | null;
  kind: UnitKind;
  /** 1 for a group the plan names by a placeholder (各区、县级市), kept as a group in the draft review (0016). */
  is_group: Defaulted<0 | 1>;
}

export interface UnitAliasTable extends Keyed, Mutable {
  unit_id: string;
  /** Another name a document may use (区发展改革委 for 区发改委). Unique in the workspace. */
  alias: string;
}

/** An uploaded document: in the database (`data`) or on disk under DATA_DIR (`path`), exactly one of the two. */
export interface FileTable extends Keyed, AppendOnly {
  name: string;
  media_type: string;
  size: number;
  /** Hex SHA-256 of the content. */
  sha256: string;
  /** Relative to DATA_DIR. */
  path: string | null;
  created_by: string | null;
  /** Last column, so SQLite reads a row's metadata without its overflow pages. */
  data: Buffer | null;
}

export interface PlanDraftTable extends Keyed, Mutable {
  file_id: string | null;
  /** The PlanDraft (`domain/plan-draft.ts`) as JSON, with the office's edits. */
  draft: JsonText;
  state: Defaulted<PlanDraftState>;
  /** Set when the draft is a new version of an existing plan (re-import). */
  plan_id: string | null;
  created_by: string | null;
}

export interface PlanTable extends Keyed, Mutable {
  title: string;
  /** 文号: 金府发〔2021〕1号. */
  doc_number: string | null;
  issuer: string | null;
  issued_on: IsoDate | null;
  start_year: number | null;
  end_year: number | null;
  vision_year: number | null;
  cycle_frequency: Defaulted<CycleFrequency>;
  /** Reports are due this many days after a period ends (in the workspace's time zone). */
  cycle_due_days: Defaulted<number>;
  /** 单位审核: reports need the unit's own approval before they reach the office. */
  requires_unit_approval: Defaulted<Flag>;
  /** Shown on the public transparency page. */
  published: Defaulted<Flag>;
  /** 单位审核 four-eyes relaxed: a unit's only approver may approve a report it wrote itself (one-person units). */
  allow_self_approval: Defaulted<Flag>;
  /** `plan_versions.number` of the version in force. */
  current_version: Defaulted<number>;
  created_by: string | null;
  /** 报送起始日, set by the office (migration 0015); null: the later of the plan's start and its confirmation. */
  reporting_starts_on: IsoDate | null;
}

/** One imported version of a plan, as confirmed. Append-only. */
export interface PlanVersionTable extends Keyed, AppendOnly {
  plan_id: string;
  number: number;
  file_id: string | null;
  draft: JsonText;
  created_by: string | null;
}

/** The plan's tree as written: part (一、) › strand (（一）) › area (1.) › task (（1）); goals and measures too. */
export interface NodeTable extends Keyed, Mutable {
  plan_id: string;
  parent_id: string | null;
  kind: NodeKind;
  /** As written: "（一）", "1.", "（11）"; "" when unnumbered. */
  number: string;
  title: string;
  /** Order among siblings, from 0. */
  position: number;
  /** UTF-16 offsets into the source text of the plan version it came from. */
  source_start: number | null;
  source_end: number | null;
  /** The plan version that no longer has it; null while in force (as `TaskTable.removed_in_version`). */
  removed_in_version: number | null;
}

export interface TaskTable extends Keyed, Mutable {
  plan_id: string;
  /** The `task` node; one task per node. */
  node_id: string;
  /** The strand (（一）) it sits under, for the strand filter without walking the tree. */
  strand_node_id: string | null;
  /** Stable across plan versions, so a re-import keeps the progress recorded against the task. */
  key: string;
  number: string;
  title: string;
  /** Document order in the plan, from 0; a removed task keeps the one it last had. */
  position: number;
  /**
   * The number of the plan version that no longer has it (a re-import keeps the row, and the progress recorded
   * against it); null while it is in force. A later version that has it again clears it.
   */
  removed_in_version: number | null;
  due_on: IsoDate | null;
  closed_at: IsoInstant | null;
  /** Cached derived status and when it was computed; null until first computed. */
  status: TaskStatus | null;
  status_at: IsoInstant | null;
  /**
   * Number, title, heading path and unit names, normalised by `normalizeSearchText` (NFKC, lower case), for
   * `LIKE '%…%'` on SQLite and `ILIKE` with a trigram index on PostgreSQL (`src/db/text-search.ts`).
   */
  search_text: Defaulted<string>;
  /** The plan's own paragraph for the task, as the importer read it (migration 0015); null if none was read. */
  source_text: string | null;
}

export interface TaskUnitTable extends Keyed, Mutable {
  task_id: string;
  unit_id: string;
  role: TaskUnitRole;
  /** Written order within the role; lead position 0 is the primary lead. */
  position: number;
}

/** 指标: a quantity the plan promises, for a task or under a goal node. */
export interface TargetTable extends Keyed, Mutable {
  plan_id: string;
  task_id: string | null;
  goal_node_id: string | null;
  /** The sentence it was read from. */
  text: string;
  comparator: ComparatorCode;
  /** The value; the lower bound of a range. */
  value_low: number;
  /** The upper bound of a range; null otherwise. */
  value_high: number | null;
  /** As written: 亿元, 万人次, %. */
  unit: string;
  /** The year by which it is due ("2025"), or null. */
  deadline: string | null;
  /** A span the target covers: "2021-2025". */
  period: string | null;
  /** 累计: readings are summed over the period. */
  cumulative: Defaulted<Flag>;
  baseline_value: number | null;
  baseline_period: PeriodKey | null;
  position: Defaulted<number>;
  /** The plan version that no longer has it; null while in force (as `TaskTable.removed_in_version`). */
  removed_in_version: number | null;
}

/** The planned path of a target, one value per period (linear by default, editable). */
export interface TrajectoryPointTable extends Keyed, Mutable {
  target_id: string;
  period: PeriodKey;
  planned: number;
}

export interface ReadingTable extends Keyed, Mutable {
  target_id: string;
  report_id: string | null;
  period: PeriodKey;
  value: number;
  /** Where the figure comes from: "report", "office", or a named statistic source (区统计局年报). */
  source: string;
  /** Evidence. */
  file_id: string | null;
  created_by: string | null;
}

/** 项目: the break-down of a task (项目化). */
export interface ProjectTable extends Keyed, Mutable {
  task_id: string;
  owner_unit_id: string | null;
  name: string;
  description: Defaulted<string>;
  planned_start: IsoDate | null;
  planned_end: IsoDate | null;
  actual_start: IsoDate | null;
  actual_end: IsoDate | null;
}

/** 节点: a dated step of a project; frozen when its task is closed out. */
export interface MilestoneTable extends Keyed, Mutable {
  project_id: string;
  /** The project's task, kept here so a task's milestones are one index look-up. */
  task_id: string;
  name: string;
  due_on: IsoDate;
  done_on: IsoDate | null;
  frozen: Defaulted<Flag>;
  position: Defaulted<number>;
  /** Set once when the milestone is removed (with who and why); null while it is in force. */
  removed_at: IsoInstant | null;
  removed_by: string | null;
  removed_reason: string | null;
}

/** 进展报告: one per task, unit and period. */
export interface ReportTable extends Keyed, Mutable {
  task_id: string;
  unit_id: string;
  period: PeriodKey;
  state: Defaulted<ReportState>;
  narrative: Defaulted<string>;
  percent_done: number | null;
  confidence: ConfidenceCode | null;
  problems: Defaulted<string>;
  next_steps: Defaulted<string>;
  /** 单位审核, when the plan asks for it. */
  approved_at: IsoInstant | null;
  approved_by: string | null;
  submitted_at: IsoInstant | null;
  is_late: Defaulted<Flag>;
  decided_at: IsoInstant | null;
  decided_by: string | null;
  return_reason: string | null;
  /** The client's key for the submission; a retry with the same key finds this report. */
  idempotency_key: string | null;
  created_by: string | null;
  /** Who wrote the report (created it or saved a revision of it): a JSON array of user ids, first writer first. */
  written_by: Defaulted<JsonText>;
}

/** A support unit's part of the primary lead's report. */
export interface ReportContributionTable extends Keyed, Mutable {
  report_id: string;
  unit_id: string;
  text: string;
  created_by: string | null;
}

/** 督办单. */
export interface NoticeTable extends Keyed, Mutable {
  task_id: string;
  unit_id: string;
  level: NoticeLevel;
  due_on: IsoDate;
  body: string;
  state: Defaulted<NoticeState>;
  response: string | null;
  responded_at: IsoInstant | null;
  responded_by: string | null;
  /** The lower-level notice this one escalates. */
  escalated_from_id: string | null;
  issued_by: string | null;
}

/** 销号. */
export interface CloseOutTable extends Keyed, Mutable {
  task_id: string;
  state: Defaulted<CloseOutState>;
  evidence: string;
  file_id: string | null;
  requested_by: string | null;
  decided_at: IsoInstant | null;
  decided_by: string | null;
  /** Why it was rejected or reopened. */
  reason: string | null;
}

export interface CommentTable extends Keyed, Mutable {
  /** The table of the thing commented on, singular: "task", "report", "plan", … */
  subject_type: string;
  subject_id: string;
  body: string;
  author_id: string | null;
}

/**
 * A file attached to a subject (`subject_type`: task, report, reading, close-out, notice, comment). Append-only but
 * for its removal: `removed_at`/`removed_by` are set once (migration 0007) and never cleared; the row stays.
 */
export interface AttachmentTable extends Keyed, AppendOnly {
  subject_type: string;
  subject_id: string;
  file_id: string;
  created_by: string | null;
  removed_at: IsoInstant | null;
  removed_by: string | null;
}

/**
 * Append-only and hash-chained per workspace: `hash = sha256(prev_hash + canonical event)`, `seq` counts from 1 with
 * no gaps, so a changed, deleted or inserted row breaks the chain.
 */
export interface AuditEventTable extends Keyed {
  seq: Immutable<number>;
  at: Immutable<IsoInstant>;
  actor_id: Immutable<string | null>;
  /** JSON array of role names. */
  actor_roles: Immutable<JsonText>;
  action: Immutable<string>;
  subject_type: Immutable<string | null>;
  subject_id: Immutable<string | null>;
  detail: Immutable<JsonText>;
  ip: Immutable<string | null>;
  outcome: Immutable<AuditOutcome>;
  /** null for the first event of a workspace. */
  prev_hash: Immutable<string | null>;
  hash: Immutable<string>;
}

/** A person who signs in: of one workspace, with roles and, for unit roles, one unit (migration 0004). */
export interface UserTable extends Keyed, Mutable {
  /** Unique across workspaces: the sign-in form asks for no workspace. */
  username: string;
  display_name: string;
  unit_id: string | null;
  /** JSON array of role names (src/services/context.ts ROLES). */
  roles: JsonText;
  /** scrypt, in the form of src/services/password-hash.ts; null for a user who signs in only through OIDC. */
  password_hash: string | null;
  password_changed_at: IsoInstant | null;
  /** A one-time password was set (first start, an administrator's reset): only a password change is allowed. */
  must_change_password: Defaulted<Flag>;
  /**
   * Failed sign-ins (and wrong current passwords) counted toward the lock-out since the last success; written only by
   * the atomic statement of src/db/queries/sign-in-failure.queries.ts (the rule: src/domain/passwords.ts).
   */
  failed_attempts: Defaulted<number>;
  locked_until: IsoInstant | null;
  /** The latest failure that counted (migration 0010): a failure a whole window after it starts the count again. */
  last_failed_at: IsoInstant | null;
  disabled: Defaulted<Flag>;
  /** The `sub` of the user at the configured OIDC provider. */
  oidc_subject: string | null;
  last_sign_in_at: IsoInstant | null;
  created_by: string | null;
}

/** A server-side session. `id` is the SHA-256 of the cookie's token: the token itself is not stored. */
export interface SessionTable extends Mutable {
  id: Immutable<string>;
  workspace_id: Immutable<string>;
  user_id: Immutable<string>;
  /** `updated_at` is the last request seen (written at most once a minute): the idle timeout counts from it. */
  /** The absolute end (12 h after sign-in by default), whatever the activity. */
  expires_at: Immutable<IsoInstant>;
  csrf_token: Immutable<string>;
  ip: Immutable<string | null>;
  user_agent: Immutable<string | null>;
  via: Immutable<'password' | 'oidc'>;
  revoked_at: IsoInstant | null;
}

/**
 * A task whose cached status must be derived again (see migration 0005): one row per task; a change upserts it, and
 * each re-mark moves `version` on, so the worker can tell a row it read from one marked again since.
 */
export interface StatusQueueTable extends Keyed, Mutable {
  task_id: Immutable<string>;
  /** The task's plan: the worker derives a plan's queued tasks together. */
  plan_id: Immutable<string>;
}

export const REMINDER_KINDS = ['before-due', 'overdue'] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

/** A reminder notice (提醒) the reminder job issued about a report: at most one per task, unit and period. */
export interface ReportReminderTable extends Keyed, AppendOnly {
  task_id: Immutable<string>;
  unit_id: Immutable<string>;
  period: Immutable<PeriodKey>;
  /** Sent before the report was due, or on the day after it became overdue. */
  kind: Immutable<ReminderKind>;
  notice_id: Immutable<string>;
}

export const JOB_NAMES = ['status-sweep', 'report-reminders', 'notice-escalation'] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** When a scheduled job last ran for a workspace (bookkeeping; one row per workspace and job). */
export interface WorkspaceJobTable extends Keyed, Mutable {
  job: Immutable<JobName>;
  last_run_at: IsoInstant;
}

/**
 * The head of each workspace's audit chain, kept apart from the events (migration 0008): the latest event's `seq`
 * and `hash`, moved on by the writer in the transaction of every event. It makes a cut at the end of the chain (the
 * last rows deleted) and rows appended without the writer visible to verification. One row per workspace, its `id`
 * always `head`. Whoever can rewrite both tables can forge a consistent pair: `hmac` (migration 0011) is what they
 * cannot forge, an HMAC of the head under AUDIT_KEY, which the database never holds; and the head files written
 * outside the database (src/services/audit-anchor.service.ts) catch a cut back to an earlier, genuinely keyed head.
 */
export interface AuditHeadTable extends Keyed, Mutable {
  seq: number;
  hash: string;
  /** HMAC-SHA256 (hex) of the workspace, seq and hash under AUDIT_KEY; null until the head is first anchored. */
  hmac: string | null;
}

/**
 * One rate-limit counter (migration 0012): the requests of one key (a client address, a session, a user) in one
 * fixed one-minute window, counted by one atomic upsert per request, so every app process sees the same count. In
 * the reserved `system` workspace (the keys belong to no workspace; no foreign key, see the migration); `id` is
 * `<scope>|<window start>|<key>`. Ended windows are swept away.
 */
export interface RateLimitTable extends Keyed, Mutable {
  /** The end of the window: the row counts nothing after it, and the sweep deletes it. */
  expires_at: Immutable<IsoInstant>;
  /** Requests counted in the window, the refused ones included. */
  hits: number;
}

/**
 * A pending OIDC sign-in (migration 0009), from the redirect to the provider until the callback, which deletes it:
 * single use. In the reserved `system` workspace; `id` is the SHA-256 of the `state` parameter.
 */
export interface OidcLoginTable extends Keyed, Mutable {
  /** Ten minutes after the redirect: a callback after it is refused. */
  expires_at: Immutable<IsoInstant>;
  /** The ID token must carry it back (it stops a token minted for another sign-in being replayed here). */
  nonce: Immutable<string>;
  /** PKCE (RFC 7636, S256): sent to the token endpoint, so a stolen code is useless without it. */
  code_verifier: Immutable<string>;
  /** A path of this site to go to after sign-in. */
  return_to: Immutable<string>;
}

/**
 * The lock-out counter of a sign-in name no account has (migration 0010), so that such a name answers as an account
 * does. In the reserved `system` workspace; `id` is the SHA-256 (hex) of the normalised name. Swept after
 * `expires_at`, when it means the same as no row.
 */
export interface UnknownNameFailureTable extends Keyed, Mutable {
  failed_attempts: number;
  last_failed_at: IsoInstant;
  locked_until: IsoInstant | null;
  /** The end of the window or of the lock, whichever is later. */
  expires_at: IsoInstant;
}

/**
 * A password an account had before its current one (migration 0010): its scrypt hash only, so a new password can be
 * refused when it is one of the last few. Inserted when a password is replaced, pruned to the policy's count.
 */
export interface PasswordHistoryTable extends Keyed, AppendOnly {
  user_id: Immutable<string>;
  password_hash: Immutable<string>;
}

export interface Database {
  workspaces: WorkspaceTable;
  units: UnitTable;
  unit_aliases: UnitAliasTable;
  files: FileTable;
  plan_drafts: PlanDraftTable;
  plans: PlanTable;
  plan_versions: PlanVersionTable;
  nodes: NodeTable;
  tasks: TaskTable;
  task_units: TaskUnitTable;
  targets: TargetTable;
  trajectory_points: TrajectoryPointTable;
  readings: ReadingTable;
  projects: ProjectTable;
  milestones: MilestoneTable;
  reports: ReportTable;
  report_contributions: ReportContributionTable;
  notices: NoticeTable;
  close_outs: CloseOutTable;
  comments: CommentTable;
  attachments: AttachmentTable;
  audit_events: AuditEventTable;
  audit_heads: AuditHeadTable;
  users: UserTable;
  sessions: SessionTable;
  status_queue: StatusQueueTable;
  report_reminders: ReportReminderTable;
  workspace_jobs: WorkspaceJobTable;
  oidc_logins: OidcLoginTable;
  unknown_name_failures: UnknownNameFailureTable;
  password_history: PasswordHistoryTable;
  rate_limits: RateLimitTable;
}

export type TableName = keyof Database;

/** Every table, parents before children (the order the migration creates them). */
export const TABLE_NAMES = [
  'workspaces',
  'units',
  'unit_aliases',
  'files',
  'plans',
  'plan_drafts',
  'plan_versions',
  'nodes',
  'tasks',
  'task_units',
  'targets',
  'trajectory_points',
  'projects',
  'milestones',
  'reports',
  'report_contributions',
  'readings',
  'notices',
  'close_outs',
  'comments',
  'attachments',
  'audit_events',
  'audit_heads',
  'users',
  'sessions',
  'status_queue',
  'report_reminders',
  'workspace_jobs',
  'oidc_logins',
  'unknown_name_failures',
  'password_history',
  'rate_limits',
] as const satisfies readonly TableName[];

/** Tables whose rows are never updated (but for an attachment's one-way removal mark): no `version`, no `updated_at`. */
export const APPEND_ONLY_TABLES = [
  'files',
  'plan_versions',
  'attachments',
  'audit_events',
  'report_reminders',
  'password_history',
] as const satisfies readonly TableName[];

export type WorkspaceRow = Selectable<WorkspaceTable>;
export type NewWorkspace = Insertable<WorkspaceTable>;
export type WorkspaceUpdate = Updateable<WorkspaceTable>;

export type UnitRow = Selectable<UnitTable>;
export type NewUnit = Insertable<UnitTable>;
export type UnitUpdate = Updateable<UnitTable>;

export type UnitAliasRow = Selectable<UnitAliasTable>;
export type NewUnitAlias = Insertable<UnitAliasTable>;
export type UnitAliasUpdate = Updateable<UnitAliasTable>;

export type FileRow = Selectable<FileTable>;
export type NewFile = Insertable<FileTable>;
export type FileUpdate = Updateable<FileTable>;

export type PlanDraftRow = Selectable<PlanDraftTable>;
export type NewPlanDraft = Insertable<PlanDraftTable>;
export type PlanDraftUpdate = Updateable<PlanDraftTable>;

export type PlanRow = Selectable<PlanTable>;
export type NewPlan = Insertable<PlanTable>;
export type PlanUpdate = Updateable<PlanTable>;

export type PlanVersionRow = Selectable<PlanVersionTable>;
export type NewPlanVersion = Insertable<PlanVersionTable>;
export type PlanVersionUpdate = Updateable<PlanVersionTable>;

export type NodeRow = Selectable<NodeTable>;
export type NewNode = Insertable<NodeTable>;
export type NodeUpdate = Updateable<NodeTable>;

export type TaskRow = Selectable<TaskTable>;
export type NewTask = Insertable<TaskTable>;
export type TaskUpdate = Updateable<TaskTable>;

export type TaskUnitRow = Selectable<TaskUnitTable>;
export type NewTaskUnit = Insertable<TaskUnitTable>;
export type TaskUnitUpdate = Updateable<TaskUnitTable>;

export type TargetRow = Selectable<TargetTable>;
export type NewTarget = Insertable<TargetTable>;
export type TargetUpdate = Updateable<TargetTable>;

export type TrajectoryPointRow = Selectable<TrajectoryPointTable>;
export type NewTrajectoryPoint = Insertable<TrajectoryPointTable>;
export type TrajectoryPointUpdate = Updateable<TrajectoryPointTable>;

export type ReadingRow = Selectable<ReadingTable>;
export type NewReading = Insertable<ReadingTable>;
export type ReadingUpdate = Updateable<ReadingTable>;

export type ProjectRow = Selectable<ProjectTable>;
export type NewProject = Insertable<ProjectTable>;
export type ProjectUpdate = Updateable<ProjectTable>;

export type MilestoneRow = Selectable<MilestoneTable>;
export type NewMilestone = Insertable<MilestoneTable>;
export type MilestoneUpdate = Updateable<MilestoneTable>;

export type ReportRow = Selectable<ReportTable>;
export type NewReport = Insertable<ReportTable>;
export type ReportUpdate = Updateable<ReportTable>;

export type ReportContributionRow = Selectable<ReportContributionTable>;
export type NewReportContribution = Insertable<ReportContributionTable>;
export type ReportContributionUpdate = Updateable<ReportContributionTable>;

export type NoticeRow = Selectable<NoticeTable>;
export type NewNotice = Insertable<NoticeTable>;
export type NoticeUpdate = Updateable<NoticeTable>;

export type CloseOutRow = Selectable<CloseOutTable>;
export type NewCloseOut = Insertable<CloseOutTable>;
export type CloseOutUpdate = Updateable<CloseOutTable>;

export type CommentRow = Selectable<CommentTable>;
export type NewComment = Insertable<CommentTable>;
export type CommentUpdate = Updateable<CommentTable>;

export type AttachmentRow = Selectable<AttachmentTable>;
export type NewAttachment = Insertable<AttachmentTable>;
export type AttachmentUpdate = Updateable<AttachmentTable>;

export type AuditEventRow = Selectable<AuditEventTable>;
export type NewAuditEvent = Insertable<AuditEventTable>;

export type AuditHeadRow = Selectable<AuditHeadTable>;
export type NewAuditHead = Insertable<AuditHeadTable>;

export type UserRow = Selectable<UserTable>;
export type NewUser = Insertable<UserTable>;
export type UserUpdate = Updateable<UserTable>;

export type SessionRow = Selectable<SessionTable>;
export type NewSession = Insertable<SessionTable>;
export type SessionUpdate = Updateable<SessionTable>;

export type StatusQueueRow = Selectable<StatusQueueTable>;
export type NewStatusQueueEntry = Insertable<StatusQueueTable>;

export type ReportReminderRow = Selectable<ReportReminderTable>;
export type NewReportReminder = Insertable<ReportReminderTable>;

export type WorkspaceJobRow = Selectable<WorkspaceJobTable>;

export type OidcLoginRow = Selectable<OidcLoginTable>;
export type NewOidcLogin = Insertable<OidcLoginTable>;

export type UnknownNameFailureRow = Selectable<UnknownNameFailureTable>;
export type NewUnknownNameFailure = Insertable<UnknownNameFailureTable>;

export type PasswordHistoryRow = Selectable<PasswordHistoryTable>;
export type NewPasswordHistory = Insertable<PasswordHistoryTable>;
export type RateLimitRow = Selectable<RateLimitTable>;
export type NewRateLimit = Insertable<RateLimitTable>;

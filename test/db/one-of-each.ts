/**
 * One row in every table of a new workspace, every column given (the types make each one required), so a test can
 * compare what it wrote with what it reads, and the column lists of schema.ts with the database's.
 */
import { randomBytes } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import { newId } from '../../src/db/ids.ts';
import type { Database, TableName } from '../../src/db/schema.ts';

export type FullRow<T extends TableName> = Required<Insertable<Database[T]>>;
export type OneOfEach = { [T in TableName]: FullRow<T> };

/** 300 KiB with every byte value, so the blob spills into SQLite overflow pages and NULs and 0xFF survive. */
export function sampleBlob(): Buffer {
  const bytes = Buffer.alloc(300 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
  return bytes;
}

export async function seedOneOfEach(db: Db, now = '2021-07-01T02:00:00.000Z'): Promise<OneOfEach> {
  const ws = newId('workspace');
  const stamp = { version: 1, created_at: now, updated_at: now };
  const scoped = { workspace_id: ws, ...stamp };

  const workspaces: FullRow<'workspaces'> = { id: ws, name: '金山区', time_zone: 'Asia/Shanghai', ...stamp };
  const units: FullRow<'units'> = {
    id: newId('unit'),
    ...scoped,
    name: '区经委',
    full_name: '金山区经济委员会',
    kind: 'bureau',
    is_group: 0,
  };
  const unit_aliases: FullRow<'unit_aliases'> = {
    id: newId('unitAlias'),
    ...scoped,
    unit_id: units.id,
    alias: '区经济委员会',
  };
  const blob = sampleBlob();
  const files: FullRow<'files'> = {
    id: newId('file'),
    workspace_id: ws,
    created_at: now,
    name: '金府发〔2021〕1号.docx',
    media_type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    size: blob.length,
    sha256: 'a'.repeat(64),
    path: null,
    created_by: 'usr_office',
    data: blob,
  };
  const plans: FullRow<'plans'> = {
    id: newId('plan'),
    ...scoped,
    title: '关于推进金山区虹桥国际开放枢纽建设的实施方案',
    doc_number: '金府发〔2021〕1号',
    issuer: '金山区人民政府',
    issued_on: '2021-03-01',
    reporting_starts_on: '2021-04-01',
    start_year: 2021,
    end_year: 2025,
    vision_year: 2035,
    cycle_frequency: 'quarterly',
    cycle_due_days: 15,
    requires_unit_approval: 1,
    published: 0,
    allow_self_approval: 1,
    current_version: 1,
    created_by: 'usr_office',
  };
  const plan_drafts: FullRow<'plan_drafts'> = {
    id: newId('planDraft'),
    ...scoped,
    file_id: files.id,
    draft: JSON.stringify({ title: plans.title, tasks: [] }),
    state: 'confirmed',
    plan_id: plans.id,
    created_by: 'usr_office',
  };
  const plan_versions: FullRow<'plan_versions'> = {
    id: newId('planVersion'),
    workspace_id: ws,
    created_at: now,
    plan_id: plans.id,
    number: 1,
    file_id: files.id,
    draft: plan_drafts.draft,
    created_by: 'usr_office',
  };
  const strand = {
    id: newId('node'),
    ...scoped,
    plan_id: plans.id,
    parent_id: null,
    kind: 'strand',
    number: '（一）',
    title: '打造特色产业集群',
    position: 0,
    source_start: 100,
    source_end: 180,
    removed_in_version: null,
  } satisfies FullRow<'nodes'>;
  const nodes: FullRow<'nodes'> = {
    ...strand,
    id: newId('node'),
    parent_id: strand.id,
    kind: 'task',
    number: '（11）',
    title: '推进特色产业园区建设',
    position: 3,
    source_start: 120,
    source_end: 170,
  };
  const tasks: FullRow<'tasks'> = {
    id: newId('task'),
    ...scoped,
    plan_id: plans.id,
    node_id: nodes.id,
    strand_node_id: strand.id,
    key: 'one/11',
    source_text: '（11）推进特色产业园区建设。（牵头协调单位：区经委）',
    number: '（11）',
    title: nodes.title,
    position: 10,
    due_on: '2025-12-31',
    closed_at: null,
    status: 'on-track',
    status_at: now,
    search_text: '(11) 推进特色产业园区建设 区经委',
    removed_in_version: null,
  };
  const task_units: FullRow<'task_units'> = {
    id: newId('taskUnit'),
    ...scoped,
    task_id: tasks.id,
    unit_id: units.id,
    role: 'lead',
    position: 0,
  };
  const targets: FullRow<'targets'> = {
    id: newId('target'),
    ...scoped,
    plan_id: plans.id,
    task_id: tasks.id,
    goal_node_id: null,
    text: '到2025年，特色产业产值规模达到800亿元',
    comparator: 'range',
    value_low: 800,
    value_high: 1000.25,
    unit: '亿元',
    deadline: '2025',
    period: '2021-2025',
    cumulative: 1,
    baseline_value: 300.5,
    baseline_period: '2020',
    position: 0,
    removed_in_version: null,
  };
  const trajectory_points: FullRow<'trajectory_points'> = {
    id: newId('trajectoryPoint'),
    ...scoped,
    target_id: targets.id,
    period: '2021-Q3',
    planned: 362.75,
  };
  const projects: FullRow<'projects'> = {
    id: newId('project'),
    ...scoped,
    task_id: tasks.id,
    owner_unit_id: units.id,
    name: '特色产业园一期',
    description: '一项一案',
    planned_start: '2021-04-01',
    planned_end: '2022-12-31',
    actual_start: '2021-05-10',
    actual_end: null,
  };
  const milestones: FullRow<'milestones'> = {
    id: newId('milestone'),
    ...scoped,
    project_id: projects.id,
    task_id: tasks.id,
    name: '完成规划编制',
    due_on: '2021-09-30',
    done_on: '2021-09-28',
    frozen: 0,
    position: 0,
    removed_at: '2021-10-02T02:00:00.000Z',
    removed_by: 'usr_office',
    removed_reason: '合并到下一节点',
  };
  const reports: FullRow<'reports'> = {
    id: newId('report'),
    ...scoped,
    task_id: tasks.id,
    unit_id: units.id,
    period: '2021-Q3',
    state: 'submitted',
    narrative: '园区规划已完成。',
    percent_done: 35,
    confidence: 'amber-green',
    problems: '用地指标紧张',
    next_steps: '启动一期招商',
    approved_at: now,
    approved_by: 'usr_approver',
    submitted_at: now,
    is_late: 0,
    decided_at: null,
    decided_by: null,
    return_reason: null,
    idempotency_key: 'submit-7f3a',
    created_by: 'usr_reporter',
    written_by: '["usr_reporter","usr_approver"]',
  };
  const report_contributions: FullRow<'report_contributions'> = {
    id: newId('reportContribution'),
    ...scoped,
    report_id: reports.id,
    unit_id: units.id,
    text: '配合完成用地调查',
    created_by: 'usr_support',
  };
  const readings: FullRow<'readings'> = {
    id: newId('reading'),
    ...scoped,
    target_id: targets.id,
    report_id: reports.id,
    period: '2021-Q3',
    value: 365.125,
    source: 'report',
    file_id: files.id,
    created_by: 'usr_reporter',
  };
  const notices: FullRow<'notices'> = {
    id: newId('notice'),
    ...scoped,
    task_id: tasks.id,
    unit_id: units.id,
    level: 'urge',
    due_on: '2021-10-20',
    body: '请于10月20日前报送三季度进展。',
    state: 'answered',
    response: '已报送。',
    responded_at: now,
    responded_by: 'usr_reporter',
    escalated_from_id: null,
    issued_by: 'usr_office',
  };
  const close_outs: FullRow<'close_outs'> = {
    id: newId('closeOut'),
    ...scoped,
    task_id: tasks.id,
    state: 'requested',
    evidence: '园区一期竣工验收报告',
    file_id: files.id,
    requested_by: 'usr_reporter',
    decided_at: null,
    decided_by: null,
    reason: null,
  };
  const comments: FullRow<'comments'> = {
    id: newId('comment'),
    ...scoped,
    subject_type: 'task',
    subject_id: tasks.id,
    body: '请关注用地问题。',
    author_id: 'usr_leader',
  };
  const attachments: FullRow<'attachments'> = {
    id: newId('attachment'),
    workspace_id: ws,
    created_at: now,
    subject_type: 'report',
    subject_id: reports.id,
    file_id: files.id,
    created_by: 'usr_reporter',
    removed_at: now,
    removed_by: 'usr_office',
  };
  const audit_events: FullRow<'audit_events'> = {
    id: newId('auditEvent'),
    workspace_id: ws,
    seq: 1,
    at: now,
    actor_id: 'usr_office',
    actor_roles: '["office"]',
    action: 'report.submit',
    subject_type: 'report',
    subject_id: reports.id,
    detail: '{"period":"2021-Q3"}',
    ip: '127.0.0.1',
    outcome: 'success',
    prev_hash: null,
    hash: 'b'.repeat(64),
  };
  // The chain head names the workspace's latest event (the database checks it: migration 0008).
  const audit_heads: FullRow<'audit_heads'> = {
    id: 'head',
    ...scoped,
    seq: audit_events.seq,
    hash: audit_events.hash,
    hmac: 'c'.repeat(64),
  };
  const users: FullRow<'users'> = {
    id: newId('user'),
    ...scoped,
    username: `reporter-${ws.toLowerCase()}`,
    display_name: '区经委填报员',
    unit_id: units.id,
    roles: '["unit-reporter"]',
    password_hash: 'scrypt$15$8$1$c2FsdA$aGFzaA',
    password_changed_at: now,
    must_change_password: 0,
    failed_attempts: 0,
    locked_until: null,
    last_failed_at: null,
    disabled: 0,
    oidc_subject: null,
    last_sign_in_at: now,
    created_by: 'usr_sysadmin',
  };
  const sessions: FullRow<'sessions'> = {
    id: randomBytes(32).toString('hex'),
    ...scoped,
    user_id: users.id,
    expires_at: '2021-07-01T14:00:00.000Z',
    csrf_token: 'd'.repeat(43),
    ip: '127.0.0.1',
    user_agent: 'Mozilla/5.0',
    via: 'password',
    revoked_at: null,
  };
  const status_queue: FullRow<'status_queue'> = {
    id: newId('statusQueue'),
    ...scoped,
    task_id: tasks.id,
    plan_id: plans.id,
  };
  const report_reminders: FullRow<'report_reminders'> = {
    id: newId('reportReminder'),
    workspace_id: ws,
    created_at: now,
    task_id: tasks.id,
    unit_id: units.id,
    period: '2021-Q3',
    kind: 'before-due',
    notice_id: notices.id,
  };
  const workspace_jobs: FullRow<'workspace_jobs'> = {
    id: newId('workspaceJob'),
    ...scoped,
    job: 'status-sweep',
    last_run_at: now,
  };
  // Pending OIDC sign-ins live in the reserved `system` workspace (migration 0009); the id is a SHA-256 in hex.
  const oidc_logins: FullRow<'oidc_logins'> = {
    id: randomBytes(32).toString('hex'),
    workspace_id: 'system',
    ...stamp,
    expires_at: '2021-07-01T02:10:00.000Z',
    nonce: 'n'.repeat(43),
    code_verifier: 'v'.repeat(43),
    return_to: '/plans?unit=区经委',
  };
  // Counters of unknown sign-in names live in the `system` workspace too (migration 0010), keyed by a SHA-256.
  const unknown_name_failures: FullRow<'unknown_name_failures'> = {
    id: randomBytes(32).toString('hex'),
    workspace_id: 'system',
    ...stamp,
    failed_attempts: 5,
    last_failed_at: now,
    locked_until: '2021-07-01T02:15:00.000Z',
    expires_at: '2021-07-01T02:15:00.000Z',
  };
  const password_history: FullRow<'password_history'> = {
    id: newId('passwordHistory'),
    workspace_id: ws,
    created_at: now,
    user_id: users.id,
    password_hash: 'scrypt$15$8$1$c2FsdA$b2xk',
  };
  // Rate-limit counters live in the reserved `system` workspace (migration 0012): one row per key and window.
  const rate_limits: FullRow<'rate_limits'> = {
    id: `api-session|2021-07-01T02:00:00.000Z|${randomBytes(32).toString('hex')}`,
    workspace_id: 'system',
    ...stamp,
    expires_at: '2021-07-01T02:01:00.000Z',
    hits: 3,
  };

  // Parents first; each insert is typed against schema.ts.
  await db.insertInto('workspaces').values(workspaces).execute();
  await db.insertInto('units').values(units).execute();
  await db.insertInto('unit_aliases').values(unit_aliases).execute();
  await db.insertInto('files').values(files).execute();
  await db.insertInto('plans').values(plans).execute();
  await db.insertInto('plan_drafts').values(plan_drafts).execute();
  await db.insertInto('plan_versions').values(plan_versions).execute();
  await db.insertInto('nodes').values([strand, nodes]).execute();
  await db.insertInto('tasks').values(tasks).execute();
  await db.insertInto('task_units').values(task_units).execute();
  await db.insertInto('targets').values(targets).execute();
  await db.insertInto('trajectory_points').values(trajectory_points).execute();
  await db.insertInto('projects').values(projects).execute();
  await db.insertInto('milestones').values(milestones).execute();
  await db.insertInto('reports').values(reports).execute();
  await db.insertInto('report_contributions').values(report_contributions).execute();
  await db.insertInto('readings').values(readings).execute();
  await db.insertInto('notices').values(notices).execute();
  await db.insertInto('close_outs').values(close_outs).execute();
  await db.insertInto('comments').values(comments).execute();
  await db.insertInto('attachments').values(attachments).execute();
  await db.insertInto('audit_events').values(audit_events).execute();
  await db.insertInto('audit_heads').values(audit_heads).execute();
  await db.insertInto('users').values(users).execute();
  await db.insertInto('sessions').values(sessions).execute();
  await db.insertInto('status_queue').values(status_queue).execute();
  await db.insertInto('report_reminders').values(report_reminders).execute();
  await db.insertInto('workspace_jobs').values(workspace_jobs).execute();
  await db.insertInto('oidc_logins').values(oidc_logins).execute();
  await db.insertInto('unknown_name_failures').values(unknown_name_failures).execute();
  await db.insertInto('password_history').values(password_history).execute();
  await db.insertInto('rate_limits').values(rate_limits).execute();

  return {
    workspaces,
    units,
    unit_aliases,
    files,
    plans,
    plan_drafts,
    plan_versions,
    nodes,
    tasks,
    task_units,
    targets,
    trajectory_points,
    projects,
    milestones,
    reports,
    report_contributions,
    readings,
    notices,
    close_outs,
    comments,
    attachments,
    audit_events,
    audit_heads,
    users,
    sessions,
    status_queue,
    report_reminders,
    workspace_jobs,
    oidc_logins,
    unknown_name_failures,
    password_history,
    rate_limits,
  };
}

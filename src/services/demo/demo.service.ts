/**
 * The demo workspace (`luoshi demo`, issue 10): a separate workspace, 演示工作区（Demo）, holding the example plan
 * and a few years of simulated delivery, so that the screens have a plan that looks alive. It never touches
 * another workspace: every row it writes belongs to its own workspace, and its accounts are named `demo-…`.
 *
 * - Once per database. A second run finds the demo workspace and refuses (`DemoError`, one line): the audit trail
 *   is append-only and a workspace's events cannot be deleted, so it is never replaced in place. For a fresh demo,
 *   point DATABASE_URL at another database.
 * - Only beside a real workspace and its first accounts (the server started once): the first start seeds its
 *   workspace and creates the first accounts only while the database has no workspace and no account, and the
 *   demo's must not stand in for them.
 * - Everything through the services, each change with its audit event: the plan is uploaded, read by the importer,
 *   and confirmed; reports, readings, projects, milestones, notices, close-outs and comments are made by the demo
 *   accounts acting in turn. The one row the services cannot write is the workspace itself (no service creates
 *   workspaces; the first-start seed inserts its own the same way, with its audit event).
 * - Deterministic: chance comes from a seeded PRNG and time from a simulated clock (`Timeline`) that the services
 *   read through `ServiceContext.clock`. The same seed and --until give the same rows (ids and password hashes
 *   aside).
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AuthConfig } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import { newId } from '../../db/ids.ts';
import { countOtherWorkspaces, findWorkspaceByName, insertWorkspace } from '../../db/queries/demo.queries.ts';
import { hasAnyUser } from '../../db/queries/user.queries.ts';
import { endOfLocalDay, localDateOf, startOfLocalDay } from '../../domain/periods.ts';
import type { ConfidenceCode } from '../../db/schema.ts';
import { importDocument, type DocumentReader } from '../../importer/index.ts';
import { recordAudit } from '../audit.ts';
import { SYSTEM_WORKSPACE_ID } from '../auth.service.ts';
import { formatFirstAccountsFile } from '../bootstrap.service.ts';
import { approveCloseOut, getTaskCloseOut, rejectCloseOut, reopenTask, requestCloseOut } from '../close-out.service.ts';
import { addComment } from '../comment.service.ts';
import type { Actor, Role, ServiceContext } from '../context.ts';
import { closeNotice, escalateNotice, issueNotice, respondToNotice, type Notice } from '../notice.service.ts';
import { confirmPlanDraft, createPlanDraft, editPlanDraft } from '../plan-import.service.ts';
import { getPlan, listPlanTargets, listPlanTasks } from '../plan.service.ts';
import type { PlanTarget, PlanTask } from '../plan-state.ts';
import { createMilestone, createProject, markMilestoneDone, type Milestone } from '../project.service.ts';
import { reportingPeriods } from '../report-periods.ts';
import { setTargetBaseline } from '../report-targets.service.ts';
import {
  acceptReport,
  approveReport,
  requestReportApproval,
  returnReport,
  saveReportDraft,
  sendBackReport,
  submitReport,
  type Report,
} from '../report.service.ts';
import { EXAMPLE_PLAN_FILE } from '../seed.service.ts';
import { jobActor } from '../job-actor.ts';
import { refreshQueuedStatuses } from '../status-refresh.service.ts';
import { inTransaction } from '../transaction.ts';
import { createAccount } from '../user.service.ts';
import {
  CLOSE_OUT_EVIDENCE,
  CLOSE_OUT_REJECTIONS,
  LEADER_COMMENTS,
  MILESTONE_NAMES,
  NARRATIVES,
  NEXT_STEPS,
  NOTICE_BODIES,
  NOTICE_RESPONSES,
  PROBLEMS,
  REOPEN_REASONS,
  RETURN_REASONS,
  REVISION_NOTES,
  SEND_BACK_REASONS,
  UNIT_COMMENTS,
  fill,
  pickText,
} from './demo-texts.ts';
import { DemoRandom } from './random.ts';
import { DAY, HOUR, Timeline } from './timeline.ts';

/** The demo workspace's name: reserved, and how a second run finds it. */
export const DEMO_WORKSPACE_NAME = '演示工作区（Demo）';
/** Every demo account's user name starts with it. */
export const DEMO_USER_PREFIX = 'demo-';
/** The file, under DATA_DIR, that receives the demo accounts' one-time passwords (0600, never overwritten). */
export const DEMO_ACCOUNTS_FILE = 'demo-accounts.txt';
/** Who sets the demo up (the workspace, the accounts): no person, no account anyone can sign in with. */
export const DEMO_SYSTEM_USER_ID = 'system:demo';

const EXAMPLE_PLAN_URL = new URL(`../../../examples/${EXAMPLE_PLAN_FILE}`, import.meta.url);

/** The units that get a reporter and an approver, with the short code of their accounts' names. */
const DEMO_UNITS: readonly { name: string; code: string }[] = [
  { name: '区交通委', code: 'jtw' },
  { name: '区经委', code: 'jw' },
  { name: '区教育局', code: 'jyj' },
  { name: '区卫健委', code: 'wjw' },
  { name: '枫泾镇', code: 'fjz' },
  { name: '区文旅局', code: 'wlj' },
];

/** The demo cannot run as asked: one line for the operator (exit code 2). */
export class DemoError extends Error {
  override readonly name = 'DemoError';
}

export interface DemoOptions {
  readonly db: Db;
  readonly auth: AuthConfig;
  /** The demo workspace's time zone. */
  readonly timeZone: string;
  /** The simulation runs up to the end of this day (YYYY-MM-DD, in the time zone). */
  readonly until: string;
  readonly seed: number;
  /** DATA_DIR: the one-time passwords go to its demo-accounts.txt. Left out, they are only returned (tests). */
  readonly dataDir?: string | undefined;
  /** The reader thread the plan is read in; default the process's. */
  readonly reader?: DocumentReader | undefined;
}

export interface DemoAccount {
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly unitName: string | null;
  readonly oneTimePassword: string;
}

export interface DemoWorkspace {
  readonly workspaceId: string;
  readonly planId: string;
  readonly accounts: readonly DemoAccount[];
  /** Where the one-time passwords were written; null without a DATA_DIR. */
  readonly accountsFile: string | null;
}

interface Member {
  readonly actor: Actor;
  readonly account: DemoAccount;
}

interface DemoUnit {
  readonly id: string;
  readonly name: string;
  readonly reporter: Member;
  readonly approver: Member;
}

type Profile = 'steady' | 'lagging' | 'early';

interface SimTarget {
  readonly target: PlanTarget;
  /** What the target asks for (the upper end of a range). */
  readonly goal: number;
  /** Where the path starts: the baseline the office enters, or zero. */
  readonly start: number;
  /** How the unit fares against the path: about 1 on track, below it when it misses. */
  readonly performance: number;
  readonly isInteger: boolean;
  readonly isRate: boolean;
  last: number | null;
}

interface SimMilestone {
  milestone: Milestone;
  /** When it is done (YYYY-MM-DD), or null when it slips past the horizon. */
  readonly doneOn: string | null;
  done: boolean;
}

interface SimTask {
  readonly task: PlanTask;
  /** The primary lead, when it is one of the demo units (only they report and ask for close-out). */
  readonly unit: DemoUnit | null;
  readonly profile: Profile;
  readonly targets: SimTarget[];
  readonly milestones: SimMilestone[];
  /** The project's planned span, for the per-cent done. */
  projectStart: number;
  projectEnd: number;
  percent: number;
  closed: boolean;
}

/** One unit's report on one task for one period, as it moves through the workflow. */
interface ReportCase {
  readonly sim: SimTask;
  readonly unit: DemoUnit;
  readonly period: string;
  readonly periodIndex: number;
  readonly dueAt: Date;
  report: Report | null;
  notice: Notice | null;
  /** The office has returned it once (a second review accepts). */
  returned: boolean;
  /** The unit's approver has sent it back once. */
  sentBack: boolean;
  /** The scripted escalation: no report, and no answer before 督办. */
  readonly stubborn: boolean;
  readonly periodCount: number;
}

/** The end of `until` in the time zone, refusing a date that is not one. */
function endOfUntil(until: string, timeZone: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(until) || Number.isNaN(Date.parse(`${until}T00:00:00Z`))) {
    throw new DemoError(`--until 应为 YYYY-MM-DD 格式的日期，实际为 ${until}（--until: a date YYYY-MM-DD）`);
  }
  return new Date(endOfLocalDay(until, timeZone).getTime() - 1);
}

function dateAt(date: string, timeZone: string, hours: number): Date {
  return new Date(startOfLocalDay(date, timeZone).getTime() + hours * HOUR);
}

function plusDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

function round(value: number, integer: boolean): number {
  return integer ? Math.round(value) : Math.round(value * 10) / 10;
}

/** Writes the demo accounts to DATA_DIR/demo-accounts.txt, created exclusively and readable by its owner only. */
async function writeAccountsFile(dataDir: string, accounts: readonly DemoAccount[]): Promise<string> {
  const path = resolve(join(dataDir, DEMO_ACCOUNTS_FILE));
  await mkdir(resolve(dataDir), { recursive: true, mode: 0o700 });
  let file;
  try {
    file = await open(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw accountsFileExists(path);
    throw error;
  }
  try {
    await file.chmod(0o600);
    await file.writeFile(formatFirstAccountsFile(accounts), 'utf8');
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(path, { force: true });
    throw error;
  }
  await file.close();
  return path;
}

function accountsFileExists(path: string): DemoError {
  return new DemoError(
    `演示账号文件 ${path} 已存在：请取走其中的密码并删除该文件后再运行` +
      `（${path} already exists: take the passwords from it and delete it first）`,
  );
}

/**
 * Creates the demo workspace and plays its simulated activity from the plan's issue date to the end of `until`.
 * Refuses (`DemoError`) when the database already has a demo workspace or has no real workspace yet, when `until`
 * is before the plan was issued, and when DATA_DIR already holds a demo-accounts.txt.
 */
export async function createDemoWorkspace(options: DemoOptions): Promise<DemoWorkspace> {
  const { db, timeZone } = options;
  const existing = await findWorkspaceByName(db, DEMO_WORKSPACE_NAME);
  if (existing !== undefined) {
    throw new DemoError(
      `演示工作区已存在（${existing.id}），不会重复创建或覆盖；如需新的演示数据，请将 DATABASE_URL 指向另一个数据库` +
        `（the demo workspace exists already; use another database for a fresh one）`,
    );
  }
  // The first start creates the real workspace and then its first accounts, each only while none exists: the demo's
  // workspace and accounts must not be there first (the first accounts would never be made).
  if ((await countOtherWorkspaces(db, [SYSTEM_WORKSPACE_ID])) === 0 || !(await hasAnyUser(db))) {
    throw new DemoError(
      '数据库中还没有正式工作区或其初始账号：请先启动一次服务，再创建演示工作区' +
        '（no workspace or first accounts yet: start the server once, then create the demo workspace）',
    );
  }
  const end = endOfUntil(options.until, timeZone);
  const accountsPath = options.dataDir === undefined ? null : resolve(join(options.dataDir, DEMO_ACCOUNTS_FILE));
  if (accountsPath !== null) {
    const exists = await open(accountsPath, 'r').then(
      async (file) => (await file.close(), true),
      () => false,
    );
    if (exists) throw accountsFileExists(accountsPath);
  }

  const bytes = await readFile(EXAMPLE_PLAN_URL);
  // Parsed once before any write, as the seed does: a broken example stops the run with nothing written.
  const issuedOn = (await importDocument(bytes, EXAMPLE_PLAN_FILE)).draft.date ?? '2021-06-02';
  const start = dateAt(issuedOn, timeZone, 9);
  if (end.getTime() < start.getTime()) {
    throw new DemoError(
      `--until ${options.until} 早于示例方案的印发日期 ${issuedOn}（--until is before the plan was issued）`,
    );
  }
  const timeline = new Timeline(start, end);
  const ctx: ServiceContext = { db, clock: timeline.clock };
  const random = new DemoRandom(options.seed);
  const workspaceId = await createWorkspaceRow(ctx, timeZone, options);
  const system: Actor = { userId: DEMO_SYSTEM_USER_ID, workspaceId, roles: [], unitId: null, ip: null };
  const accounts: DemoAccount[] = [];
  const member = async (
    username: string,
    displayName: string,
    role: Role,
    unit: { id: string; name: string } | null,
  ): Promise<Member> => {
    const created = await createAccount(
      ctx,
      options.auth,
      system,
      { username, displayName, unitId: unit?.id ?? null },
      [role],
      { reason: 'demo workspace' },
    );
    const account = {
      username,
      displayName,
      role,
      unitName: unit?.name ?? null,
      oneTimePassword: created.oneTimePassword,
    };
    accounts.push(account);
    return {
      account,
      actor: { userId: created.user.id, workspaceId, roles: [role], unitId: unit?.id ?? null, ip: null },
    };
  };

  // The plan office imports the plan as an office would: upload, one edit (单位审核 on), confirm.
  const office = await member(`${DEMO_USER_PREFIX}office`, '方案办公室（演示）', 'office', null);
  const draft = await createPlanDraft(ctx, office.actor, {
    fileName: EXAMPLE_PLAN_FILE,
    bytes,
    ...(options.reader === undefined ? {} : { reader: options.reader }),
  });
  const edited = await editPlanDraft(ctx, office.actor, draft.id, draft.version, [
    { type: 'set-plan', requiresUnitApproval: true },
  ]);
  const planId = await confirmPlanDraft(ctx, office.actor, edited.id, edited.version);
  const tasks = await listPlanTasks(ctx, office.actor, planId);
  const unitIds = new Map(
    tasks.flatMap((task) => [...task.units.lead, ...task.units.support]).map((u) => [u.name, u.id]),
  );

  const units = new Map<string, DemoUnit>();
  for (const { name, code } of DEMO_UNITS) {
    const id = unitIds.get(name);
    if (id === undefined) continue;
    const unit = { id, name };
    const reporter = await member(
      `${DEMO_USER_PREFIX}${code}-reporter`,
      `${name}填报员（演示）`,
      'unit-reporter',
      unit,
    );
    const approver = await member(
      `${DEMO_USER_PREFIX}${code}-approver`,
      `${name}审核员（演示）`,
      'unit-approver',
      unit,
    );
    units.set(id, { id, name, reporter, approver });
  }
  const leader = await member(`${DEMO_USER_PREFIX}leader`, '领导小组（演示）', 'leader', null);
  const supervisor = await member(`${DEMO_USER_PREFIX}supervisor`, '督查室（演示）', 'supervisor', null);
  const accountsFile = options.dataDir === undefined ? null : await writeAccountsFile(options.dataDir, accounts);

  const simulation = new Simulation(ctx, timeline, random, {
    timeZone,
    planId,
    office,
    leader,
    supervisor,
    units,
    seed: options.seed,
  });
  await simulation.prepare(tasks, await listPlanTargets(ctx, office.actor, planId));
  await timeline.play();
  // The tasks' derived statuses as of --until, as the status worker would have left them (the server's jobs derive
  // them again as of their own clock).
  timeline.finish();
  const jobs = jobActor(workspaceId);
  for (let batch = 0; batch < 20; batch++) {
    const run = await refreshQueuedStatuses(ctx, jobs);
    if (run.taken === 0 || run.failures.length > 0) break;
  }
  return { workspaceId, planId, accounts, accountsFile };
}

async function createWorkspaceRow(ctx: ServiceContext, timeZone: string, options: DemoOptions): Promise<string> {
  const id = newId('workspace');
  const at = ctx.clock();
  await inTransaction(ctx.db, async (trx) => {
    await insertWorkspace(trx, {
      id,
      name: DEMO_WORKSPACE_NAME,
      time_zone: timeZone,
      created_at: at.toISOString(),
      updated_at: at.toISOString(),
    });
    await recordAudit(trx, { userId: DEMO_SYSTEM_USER_ID, workspaceId: id, roles: [], ip: null }, at, {
      action: 'workspace.create',
      subjectType: 'workspace',
      subjectId: id,
      detail: { name: DEMO_WORKSPACE_NAME, timeZone, reason: 'demo', seed: options.seed, until: options.until },
    });
  });
  return id;
}

interface SimulationCast {
  readonly timeZone: string;
  readonly planId: string;
  readonly office: Member;
  readonly leader: Member;
  readonly supervisor: Member;
  readonly units: ReadonlyMap<string, DemoUnit>;
  readonly seed: number;
}

/** The simulated programme: who does what, when. Each method schedules its events on the time line. */
class Simulation {
  private readonly sims: SimTask[] = [];
  private submissions = 0;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly timeline: Timeline,
    private readonly random: DemoRandom,
    private readonly cast: SimulationCast,
  ) {}

  private get office(): Actor {
    return this.cast.office.actor;
  }

  private local(date: string, hours: number): Date {
    return dateAt(date, this.cast.timeZone, hours);
  }

  private today(): string {
    return localDateOf(this.timeline.now(), this.cast.timeZone);
  }

  /** Baselines, projects and milestones as the office sets them up after confirming, then every period's work. */
  async prepare(tasks: readonly PlanTask[], targets: readonly PlanTarget[]): Promise<void> {
    const plan = await getPlan(this.ctx, this.office, this.cast.planId);
    const startYear = plan.startYear ?? 2021;
    const endYear = plan.endYear ?? startYear + 4;
    const lastDay = `${endYear}-12-31`;
    const profiles = this.random.fork('profiles');
    // Three tasks of the demo units finish early (mid-2022): the close-out stories are theirs.
    const early = new Set(
      profiles
        .shuffle(tasks.filter((task) => this.unitOf(task) !== null))
        .slice(0, 3)
        .map((task) => task.id),
    );
    for (const task of tasks) {
      const profile: Profile = early.has(task.id) ? 'early' : profiles.chance(0.3) ? 'lagging' : 'steady';
      this.sims.push({
        task,
        unit: this.unitOf(task),
        profile,
        targets: [],
        milestones: [],
        projectStart: 0,
        projectEnd: 0,
        percent: 0,
        closed: false,
      });
    }

    // A week after the confirmation: the office enters the baselines of the amounts (the counts start at zero).
    const baselines: { target: PlanTarget; value: number }[] = [];
    const targetRandom = this.random.fork('targets');
    for (const target of targets) {
      const sim = this.sims.find((candidate) => candidate.task.id === target.taskId);
      if (sim === undefined) continue;
      const goal = Array.isArray(target.value) ? target.value[1] : target.value;
      const isRate = target.unit.includes('%');
      const isInteger = ['家', '个', '项', '名', '人', '所', '条', '座', '次'].includes(target.unit);
      const decreasing = target.comparator === '<=';
      let begin = isRate ? 0 : decreasing ? round(goal * 1.4, isInteger) : 0;
      if (!isRate && !isInteger && !target.cumulative && goal > 0) {
        begin = round(goal * targetRandom.between(decreasing ? 1.3 : 0.35, decreasing ? 1.5 : 0.6), false);
        baselines.push({ target, value: begin });
      }
      const lagging = sim.profile === 'lagging' || targetRandom.chance(0.2);
      sim.targets.push({
        target,
        goal,
        start: begin,
        performance: lagging ? targetRandom.between(0.72, 0.9) : targetRandom.between(0.97, 1.08),
        isInteger,
        isRate,
        last: null,
      });
    }

    this.timeline.after(7 * DAY, async () => {
      for (const { target, value } of baselines) {
        await setTargetBaseline(this.ctx, this.office, target.id, target.version, {
          value,
          period: String(startYear - 1),
        });
      }
    });

    // Before the first reports: a project per task (a second for some), with milestones to the project's end.
    const projectRandom = this.random.fork('projects');
    this.timeline.after(18 * DAY + HOUR, async () => {
      for (const sim of this.sims) await this.planProjects(sim, projectRandom, startYear, lastDay);
    });

    const periods = reportingPeriods(plan, this.timeline.end, this.cast.timeZone);
    const reportRandom = this.random.fork('reports');
    // One unit lets its second report and the notices about it go until the supervisor's 督办 (every level shown).
    const stubborn = reportRandom.pick(this.sims.filter((sim) => sim.unit !== null && sim.profile !== 'early'));
    for (const [index, period] of periods.entries()) {
      for (const sim of this.sims) {
        if (sim.unit === null) continue;
        const due = new Date(period.dueAt);
        this.startReport(
          {
            sim,
            unit: sim.unit,
            period: period.period,
            periodIndex: index,
            dueAt: due,
            report: null,
            notice: null,
            returned: false,
            sentBack: false,
            stubborn: sim === stubborn && index === 1,
            periodCount: periods.length,
          },
          reportRandom,
        );
      }
      // Now and then a leader writes under a task (批示).
      const leaderAt = new Date(new Date(period.endsAt).getTime() + 20 * DAY + 15 * HOUR);
      const commented = reportRandom.shuffle(this.sims).slice(0, 2);
      this.timeline.schedule(leaderAt, async () => {
        for (const sim of commented) {
          if (sim.closed) continue;
          await addComment(
            this.ctx,
            this.cast.leader.actor,
            { type: 'task', id: sim.task.id },
            pickText(reportRandom, LEADER_COMMENTS),
          );
        }
      });
    }
    this.planCloseOuts(startYear, endYear);
  }

  private unitOf(task: PlanTask): DemoUnit | null {
    const primary = task.units.lead[0];
    return primary === undefined ? null : (this.cast.units.get(primary.id) ?? null);
  }

  private async planProjects(sim: SimTask, random: DemoRandom, startYear: number, lastDay: string): Promise<void> {
    const plannedStart = plusDays(`${startYear}-07-01`, random.int(0, 150));
    const plannedEnd =
      sim.profile === 'early'
        ? `${startYear + 1}-06-30`
        : random.pick([`${startYear + 2}-12-31`, `${startYear + 3}-06-30`, `${startYear + 3}-12-31`, lastDay, lastDay]);
    sim.projectStart = Date.parse(plannedStart);
    sim.projectEnd = Date.parse(plannedEnd);
    const owner = sim.task.units.lead[0]?.id ?? null;
    const projects = [{ name: `${sim.task.title}项目`, start: plannedStart, end: plannedEnd }];
    if (random.chance(0.25) && sim.profile !== 'early') {
      projects.push({ name: `${sim.task.title}配套工程`, start: plusDays(plannedStart, 90), end: plannedEnd });
    }
    for (const planned of projects) {
      const project = await createProject(this.ctx, this.office, {
        taskId: sim.task.id,
        ownerUnitId: owner,
        name: planned.name.slice(0, 200),
        plannedStart: planned.start,
        plannedEnd: planned.end,
      });
      const count = random.int(2, 4);
      const names = MILESTONE_NAMES[count] ?? [];
      const span = Date.parse(planned.end) - Date.parse(planned.start);
      for (const [index, name] of names.entries()) {
        const dueOn =
          index === names.length - 1
            ? planned.end
            : new Date(Date.parse(planned.start) + (span * (index + 1)) / names.length).toISOString().slice(0, 10);
        const milestone = await createMilestone(this.ctx, this.office, { projectId: project.id, name, dueOn });
        const outcome = sim.profile === 'early' ? 0 : random.next();
        const doneOn =
          outcome < 0.6
            ? plusDays(dueOn, -random.int(0, 25))
            : outcome < 0.88
              ? plusDays(dueOn, random.int(10, 120))
              : null;
        const sm: SimMilestone = { milestone, doneOn, done: false };
        sim.milestones.push(sm);
        if (doneOn !== null) this.timeline.schedule(this.local(doneOn, 16), () => this.completeMilestone(sim, sm));
        // Not done three weeks after it was due: the supervisor urges the unit (催办).
        if (sim.unit !== null && (doneOn === null || doneOn > plusDays(dueOn, 21)) && random.chance(0.6)) {
          this.timeline.schedule(this.local(plusDays(dueOn, 21), 10), () => this.urgeMilestone(sim, sm, random));
        }
      }
    }
  }

  private async completeMilestone(sim: SimTask, sm: SimMilestone): Promise<void> {
    if (sim.closed || sm.done) return;
    const actor = sim.unit?.reporter.actor ?? this.office;
    sm.milestone = await markMilestoneDone(
      this.ctx,
      actor,
      sm.milestone.id,
      sm.milestone.version,
      sm.doneOn ?? undefined,
    );
    sm.done = true;
  }

  private async urgeMilestone(sim: SimTask, sm: SimMilestone, random: DemoRandom): Promise<void> {
    const unit = sim.unit;
    if (unit === null || sim.closed || sm.done) return;
    const notice = await issueNotice(this.ctx, this.cast.supervisor.actor, {
      taskId: sim.task.id,
      unitId: unit.id,
      level: 'urge',
      dueOn: plusDays(this.today(), 10),
      body: fill(NOTICE_BODIES.milestone, { title: sim.task.title, milestone: sm.milestone.name }),
    });
    const answered = await this.answerLater(notice, unit, random, random.int(2, 6));
    // The office closes the notice once the milestone is done, or a month after the unit answered.
    const closeAt = sm.doneOn !== null ? this.local(sm.doneOn, 18) : this.local(plusDays(this.today(), 40), 11);
    if (answered) this.timeline.schedule(closeAt, () => this.closeIfActive(notice.id));
  }

  private readonly notices = new Map<string, Notice>();

  /** The unit answers the notice in `days`; false when it will not. */
  private async answerLater(notice: Notice, unit: DemoUnit, random: DemoRandom, days: number): Promise<boolean> {
    this.notices.set(notice.id, notice);
    return this.timeline.after(days * DAY + 3 * HOUR, async () => {
      const current = this.notices.get(notice.id);
      if (current?.state !== 'open') return;
      const answer = await respondToNotice(
        this.ctx,
        unit.approver.actor,
        notice.id,
        current.version,
        pickText(random, NOTICE_RESPONSES),
      );
      this.notices.set(notice.id, answer);
      if (random.chance(0.2)) {
        await addComment(
          this.ctx,
          unit.reporter.actor,
          { type: 'notice', id: notice.id },
          pickText(random, UNIT_COMMENTS),
        );
      }
    });
  }

  private async closeIfActive(noticeId: string): Promise<void> {
    const current = this.notices.get(noticeId);
    if (current === undefined || (current.state !== 'open' && current.state !== 'responded')) return;
    const sim = this.sims.find((candidate) => candidate.task.id === current.taskId);
    if (sim?.closed === true) return;
    this.notices.set(noticeId, await closeNotice(this.ctx, this.office, noticeId, current.version));
  }

  // ---- Reports ----

  private startReport(c: ReportCase, random: DemoRandom): void {
    const lagging = c.sim.profile === 'lagging';
    const draw = random.next();
    const missing = c.stubborn || draw < (lagging ? 0.1 : 0.02);
    const late = !missing && draw < (lagging ? 0.35 : 0.1);
    // Whatever the unit does, the office looks three days after the due date for reports not in.
    this.timeline.schedule(c.dueAt.getTime() + 3 * DAY + HOUR, () => this.remindIfMissing(c, random));
    if (missing) return;
    const draftAt = late
      ? c.dueAt.getTime() + random.int(1, 20) * DAY + random.int(1, 8) * HOUR
      : c.dueAt.getTime() - random.int(5, 14) * DAY + random.int(1, 8) * HOUR;
    this.timeline.schedule(draftAt, () => this.draftReport(c, random));
  }

  private readingsOf(c: ReportCase, random: DemoRandom, periodCount: number) {
    const f = Math.min(1, (c.periodIndex + 1) / periodCount);
    return c.sim.targets.map((t) => {
      let value: number;
      if (t.isRate) value = t.goal * t.performance * random.between(0.9, 1.1);
      else if (t.target.cumulative)
        value = ((t.goal - t.start) / periodCount) * t.performance * random.between(0.7, 1.3);
      else value = t.start + (t.goal - t.start) * f * t.performance * random.between(0.97, 1.03);
      value = Math.max(0, round(value, t.isInteger));
      // Counts and amounts reached do not go back.
      if (!t.isRate && !t.target.cumulative && t.last !== null && t.goal >= t.start) value = Math.max(value, t.last);
      t.last = value;
      return { targetId: t.target.id, value, source: random.chance(0.3) ? '区统计局' : 'report' };
    });
  }

  private reportFields(c: ReportCase, random: DemoRandom, periodCount: number) {
    const sim = c.sim;
    const now = this.timeline.now().getTime();
    const span = Math.max(1, sim.projectEnd - sim.projectStart);
    // No project yet (a report before the break-down): just begun.
    const elapsed = sim.projectEnd === 0 ? 0.05 : Math.min(1, Math.max(0, (now - sim.projectStart) / span));
    const pace = sim.profile === 'lagging' ? 0.8 : 1;
    sim.percent = Math.max(sim.percent, Math.min(100, Math.round(100 * elapsed * pace)));
    const confidence: ConfidenceCode =
      sim.profile === 'lagging'
        ? random.pick(['amber', 'amber-red', 'amber-red', 'red'] as const)
        : random.pick(['green', 'green', 'amber-green', 'amber'] as const);
    return {
      taskId: sim.task.id,
      period: c.period,
      narrative: pickText(random, NARRATIVES, { title: sim.task.title, n: random.int(1, 4) }),
      percentDone: sim.percent,
      confidence,
      problems: sim.profile === 'lagging' || random.chance(0.3) ? pickText(random, PROBLEMS) : '',
      nextSteps: pickText(random, NEXT_STEPS),
      readings: c.sim.unit === c.unit ? this.readingsOf(c, random, periodCount) : [],
    };
  }

  private async draftReport(c: ReportCase, random: DemoRandom): Promise<void> {
    if (c.sim.closed || c.report !== null) return;
    c.report = await saveReportDraft(this.ctx, c.unit.reporter.actor, this.reportFields(c, random, c.periodCount));
    this.timeline.after(random.int(2, 20) * HOUR, () => this.askApproval(c, random));
  }

  private async askApproval(c: ReportCase, random: DemoRandom): Promise<void> {
    if (c.sim.closed || c.report === null) return;
    c.report = await requestReportApproval(this.ctx, c.unit.reporter.actor, c.report.id, c.report.version);
    this.timeline.after(random.int(3, 40) * HOUR, () => this.unitReview(c, random));
  }

  private async unitReview(c: ReportCase, random: DemoRandom): Promise<void> {
    if (c.sim.closed || c.report === null) return;
    const approver = c.unit.approver.actor;
    if (!c.sentBack && random.chance(0.07)) {
      c.sentBack = true;
      c.report = await sendBackReport(this.ctx, approver, c.report.id, c.report.version, {
        reason: pickText(random, SEND_BACK_REASONS),
      });
      this.timeline.after(random.int(1, 3) * DAY, () => this.revise(c, random));
      return;
    }
    c.report = await approveReport(this.ctx, approver, c.report.id, c.report.version);
    this.timeline.after(random.int(1, 10) * HOUR, () => this.submit(c, random));
  }

  private async revise(c: ReportCase, random: DemoRandom): Promise<void> {
    if (c.sim.closed || c.report === null) return;
    const report = c.report;
    c.report = await saveReportDraft(this.ctx, c.unit.reporter.actor, {
      taskId: report.taskId,
      period: report.period,
      expectedVersion: report.version,
      narrative: `${report.narrative}（已修改）`,
      percentDone: report.percentDone,
      confidence: report.confidence,
      problems: report.problems === '' ? pickText(random, PROBLEMS) : report.problems,
      nextSteps: report.nextSteps,
      readings: report.readings.map((r) => ({ targetId: r.targetId, value: r.value, source: '区统计局' })),
    });
    await addComment(
      this.ctx,
      c.unit.reporter.actor,
      { type: 'report', id: report.id },
      pickText(random, REVISION_NOTES),
    );
    this.timeline.after(random.int(2, 8) * HOUR, () => this.askApproval(c, random));
  }

  private async submit(c: ReportCase, random: DemoRandom): Promise<void> {
    if (c.sim.closed || c.report === null) return;
    this.submissions += 1;
    c.report = await submitReport(this.ctx, c.unit.reporter.actor, c.report.id, c.report.version, {
      idempotencyKey: `demo-${this.cast.seed}-${this.submissions}`,
    });
    if (c.notice !== null) {
      const noticeId = c.notice.id;
      this.timeline.after(random.int(1, 3) * DAY, () => this.closeIfActive(noticeId));
    }
    this.timeline.after(random.int(1, 7) * DAY + random.int(1, 6) * HOUR, () => this.officeReview(c, random));
  }

  private async officeReview(c: ReportCase, random: DemoRandom): Promise<void> {
    if (c.sim.closed || c.report === null) return;
    if (!c.returned && random.chance(c.sim.profile === 'lagging' ? 0.2 : 0.08)) {
      c.returned = true;
      c.report = await returnReport(this.ctx, this.office, c.report.id, c.report.version, {
        reason: pickText(random, RETURN_REASONS),
      });
      this.timeline.after(random.int(1, 5) * DAY, () => this.revise(c, random));
      return;
    }
    c.report = await acceptReport(this.ctx, this.office, c.report.id, c.report.version);
  }

  // ---- Notices on reports ----

  private isIn(c: ReportCase): boolean {
    return c.report !== null && (c.report.state === 'submitted' || c.report.state === 'accepted' || c.returned);
  }

  private async remindIfMissing(c: ReportCase, random: DemoRandom): Promise<void> {
    if (c.sim.closed || this.isIn(c)) return;
    c.notice = await issueNotice(this.ctx, this.office, {
      taskId: c.sim.task.id,
      unitId: c.unit.id,
      level: 'remind',
      dueOn: plusDays(this.today(), 7),
      body: fill(NOTICE_BODIES.report, { title: c.sim.task.title, period: c.period }),
    });
    this.followNotice(c, random);
  }

  /** The unit answers (more often the higher the level), or the supervisor escalates the day after it was due. */
  private followNotice(c: ReportCase, random: DemoRandom): void {
    const notice = c.notice;
    if (notice === null) return;
    const answers = c.stubborn
      ? notice.level === 'supervise'
      : random.chance(notice.level === 'remind' ? 0.6 : notice.level === 'urge' ? 0.6 : 1);
    if (answers) {
      const days = random.int(1, 4);
      void this.answerLater(notice, c.unit, random, days);
      // A report still missing often follows the answer, late; after a 督办 it always does.
      if (c.report === null && (notice.level === 'supervise' || random.chance(0.5))) {
        this.timeline.after((days + random.int(2, 6)) * DAY, () => this.draftReport(c, random));
      }
      // A report that never comes: the office closes the answered notice after a fortnight.
      this.timeline.after(16 * DAY, () => this.closeIfActive(notice.id));
      return;
    }
    this.notices.set(notice.id, notice);
    this.timeline.schedule(endOfLocalDay(notice.dueOn, this.cast.timeZone).getTime() + 9 * HOUR, async () => {
      const current = this.notices.get(notice.id);
      if (current?.state !== 'open' || c.sim.closed) return;
      if (this.isIn(c)) return this.closeIfActive(notice.id);
      const higher = await escalateNotice(this.ctx, this.cast.supervisor.actor, notice.id, current.version, {
        dueOn: plusDays(this.today(), notice.level === 'remind' ? 7 : 10),
        body: fill(NOTICE_BODIES.escalated, { title: c.sim.task.title }),
      });
      this.notices.set(notice.id, { ...current, state: 'escalated' });
      c.notice = higher;
      this.followNotice(c, random);
    });
  }

  // ---- Close-outs ----

  /**
   * Three stories in the summer after the early tasks' projects end (one approved, one rejected then approved, one
   * approved then reopened), then the close-outs after the plan's end.
   */
  private planCloseOuts(startYear: number, endYear: number): void {
    const random = this.random.fork('close-outs');
    const [approved, rejected, reopened] = this.sims.filter((sim) => sim.profile === 'early');
    const year = startYear + 1;
    if (approved !== undefined) {
      this.closeOutStory(approved, random, `${year}-07-08`, [{ decide: 'approve', after: 9 }]);
    }
    if (rejected !== undefined) {
      this.closeOutStory(rejected, random, `${year}-07-11`, [
        { decide: 'reject', after: 9 },
        { decide: 'approve', after: 12, requestAfter: 26 },
      ]);
    }
    if (reopened !== undefined) {
      this.closeOutStory(reopened, random, `${year}-07-13`, [
        { decide: 'approve', after: 17 },
        { decide: 'reopen', after: 45 },
      ]);
    }
    // After the plan's end, the units whose milestones are all done ask for close-out.
    for (const sim of this.sims) {
      // The early ones that are closed by then are skipped when their turn comes; a reopened one asks again.
      if (sim.unit === null) continue;
      const day = plusDays(`${endYear}-12-01`, random.int(0, 80));
      const decisions: CloseOutStep[] = random.chance(0.12)
        ? [
            { decide: 'reject', after: random.int(5, 15) },
            { decide: 'approve', after: random.int(5, 15), requestAfter: random.int(20, 40) },
          ]
        : [{ decide: 'approve', after: random.int(5, 20) }];
      this.closeOutStory(sim, random, day, decisions, true);
    }
  }

  private closeOutStory(
    sim: SimTask,
    random: DemoRandom,
    requestOn: string,
    steps: readonly CloseOutStep[],
    onlyWhenDone = false,
  ): void {
    const unit = sim.unit;
    if (unit === null) return;
    const request = async (rest: readonly CloseOutStep[]) => {
      if (sim.closed) return;
      if (onlyWhenDone && sim.milestones.some((m) => !m.done)) return;
      const closeOut = await requestCloseOut(this.ctx, unit.reporter.actor, sim.task.id, {
        evidence: pickText(random, CLOSE_OUT_EVIDENCE),
      });
      const [step, ...later] = rest;
      if (step === undefined) return;
      this.timeline.after(step.after * DAY, async () => {
        if (step.decide === 'reject') {
          await rejectCloseOut(
            this.ctx,
            this.office,
            closeOut.id,
            closeOut.version,
            pickText(random, CLOSE_OUT_REJECTIONS),
          );
          const [next] = later;
          if (next !== undefined) this.timeline.after((next.requestAfter ?? 20) * DAY, () => request(later));
          return;
        }
        await approveCloseOut(this.ctx, this.office, closeOut.id, closeOut.version);
        sim.closed = true;
        const [next] = later;
        if (next?.decide === 'reopen') {
          this.timeline.after(next.after * DAY, async () => {
            const state = await getTaskCloseOut(this.ctx, this.office, sim.task.id);
            await reopenTask(this.ctx, this.office, sim.task.id, state.taskVersion, pickText(random, REOPEN_REASONS));
            sim.closed = false;
            await addComment(
              this.ctx,
              this.cast.leader.actor,
              { type: 'task', id: sim.task.id },
              '请抓紧整改，整改完成后重新申请销号。',
            );
          });
        }
      });
    };
    this.timeline.schedule(this.local(requestOn, 10), () => request(steps));
  }
}

interface CloseOutStep {
  readonly decide: 'approve' | 'reject' | 'reopen';
  /** Days after the request (or, for a reopening, after the approval). */
  readonly after: number;
  /** For a step after a rejection: days after it until the unit asks again. */
  readonly requestAfter?: number;
}

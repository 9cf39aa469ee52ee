// Issue 10: `luoshi demo` — a separate demo workspace with the example plan and simulated activity, written through
// the services on a simulated clock. On both databases through the service (what it makes, that the same seed
// makes the same, that its audit chain verifies and the real workspace is untouched); on SQLite through the real
// executable too (what an operator sees: the accounts printed without passwords, the 0600 file, refusals).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCommand } from '../../src/cli/demo.ts';
import { verifyAuditTrail } from '../../src/services/audit-verify.service.ts';
import { createInitialAccounts } from '../../src/services/bootstrap.service.ts';
import { summarizeDemoWorkspace, type DemoSummary } from '../../src/services/demo/demo-summary.ts';
import {
  DEMO_WORKSPACE_NAME,
  DemoError,
  createDemoWorkspace,
  type DemoWorkspace,
} from '../../src/services/demo/demo.service.ts';
import { seedExampleWorkspace } from '../../src/services/seed.service.ts';
import { testConfig } from '../helpers/app.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../helpers/db.ts';

const BIN = join(import.meta.dirname, '../../bin/luoshi');
const auth = testConfig().auth;
const TIME_ZONE = 'Asia/Shanghai';
// Long enough for every story (the close-outs of summer 2022), short enough for a test.
const UNTIL = '2022-09-30';
const SHORT = '2021-09-30';

/** A database as the server leaves it after its first start: the real workspace with the example plan, its accounts. */
async function seedRealWorkspace(database: TestDatabase): Promise<string> {
  const seeded = await seedExampleWorkspace({
    db: database.db,
    clock: () => new Date('2026-11-02T02:00:00Z'),
    log: { info() {} },
    config: { timeZone: TIME_ZONE, host: '127.0.0.1', port: 0 },
  });
  if (seeded === null) throw new Error('the real workspace was not seeded');
  await createInitialAccounts({ db: database.db, clock: () => new Date('2026-11-02T02:00:00Z') }, auth);
  return seeded.workspaceId;
}

async function demoOn(database: TestDatabase, seed: number, until: string): Promise<DemoWorkspace> {
  return createDemoWorkspace({ db: database.db, auth, timeZone: TIME_ZONE, until, seed });
}

/** A fresh database with a real workspace, a demo run on it, its summary; then the database is removed. */
async function summaryOfFreshRun(dialect: TestDatabase['dialect'], seed: number, until: string): Promise<DemoSummary> {
  const database = await createTestDatabase(dialect);
  try {
    await seedRealWorkspace(database);
    const demo = await demoOn(database, seed, until);
    return await summarizeDemoWorkspace(database.db, demo.workspaceId);
  } finally {
    await database.dispose();
  }
}

describeEachDatabase('luoshi demo: the demo workspace', (database, dialect) => {
  let realId: string;
  let realBefore: DemoSummary;
  let demo: DemoWorkspace;
  let summary: DemoSummary;

  beforeAll(async () => {
    realId = await seedRealWorkspace(database());
    realBefore = await summarizeDemoWorkspace(database().db, realId);
    demo = await demoOn(database(), 7, UNTIL);
    summary = await summarizeDemoWorkspace(database().db, demo.workspaceId);
  }, 300_000);

  it('is its own workspace, clearly named, with the example plan of 48 tasks', async () => {
    expect(demo.workspaceId).not.toBe(realId);
    const row = await database()
      .db.selectFrom('workspaces')
      .select(['name', 'created_at'])
      .where('id', '=', demo.workspaceId)
      .executeTakeFirstOrThrow();
    expect(row.name).toBe(DEMO_WORKSPACE_NAME);
    // Created on the simulated clock: the plan's issue date, not the wall clock's.
    expect(row.created_at.slice(0, 10)).toBe('2021-06-02');
    expect(summary.tasks).toBe(48);
    // The tasks' statuses are derived as of --until, ready for the war board.
    const statuses = await database()
      .db.selectFrom('tasks')
      .select(['status', 'status_at'])
      .where('workspace_id', '=', demo.workspaceId)
      .execute();
    expect(statuses.filter((task) => task.status === null)).toEqual([]);
    expect(new Set(statuses.map((task) => task.status)).size).toBeGreaterThan(1);
    expect(statuses.every((task) => (task.status_at ?? '') < '2022-09-30T16:00:00.000Z')).toBe(true);
    expect(demo.accounts.every((account) => account.username.startsWith('demo-'))).toBe(true);
    expect(new Set(demo.accounts.map((account) => account.role))).toEqual(
      new Set(['office', 'unit-reporter', 'unit-approver', 'leader', 'supervisor']),
    );
  });

  it('holds reports in several states, late ones, returned then accepted ones, and readings', () => {
    expect(summary.reports.accepted ?? 0).toBeGreaterThan(100);
    expect(summary.lateReports).toBeGreaterThan(0);
    expect(summary.returnedThenAccepted).toBeGreaterThan(0);
    expect(summary.sentBack).toBeGreaterThan(0);
    expect(summary.readings).toBeGreaterThan(0);
    expect(summary.milestones.done).toBeGreaterThan(0);
    expect(summary.milestones.doneLate).toBeGreaterThan(0);
    expect(summary.milestones.total).toBeGreaterThan(summary.milestones.done);
    expect(summary.comments).toBeGreaterThan(0);
  });

  it('holds notices of every level, with escalations and answers', async () => {
    expect(summary.notices.reminder ?? 0).toBeGreaterThan(0);
    expect(summary.notices.urge ?? 0).toBeGreaterThan(0);
    expect(summary.notices.supervise ?? 0).toBeGreaterThan(0);
    expect(summary.escalations).toBeGreaterThan(0);
    const answered = await database()
      .db.selectFrom('notices')
      .select('id')
      .where('workspace_id', '=', demo.workspaceId)
      .where('response', 'is not', null)
      .execute();
    expect(answered.length).toBeGreaterThan(0);
  });

  it('holds close-outs approved, rejected and reopened, and closed tasks', () => {
    expect(summary.closeOuts.approved ?? 0).toBeGreaterThan(0);
    expect(summary.closeOuts.rejected ?? 0).toBeGreaterThan(0);
    expect(summary.closeOuts.reopened ?? 0).toBeGreaterThan(0);
    expect(summary.closedTasks).toBeGreaterThan(0);
  });

  it('was written through the services: every change has its audit event, and the chain verifies', async () => {
    const actions = await database()
      .db.selectFrom('audit_events')
      .select('action')
      .distinct()
      .where('workspace_id', '=', demo.workspaceId)
      .execute();
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'workspace.create',
        'user.create',
        'plan-draft.create',
        'plan.confirm',
        'report.submit',
        'report.return',
        'notice.escalate',
        'close-out.reject',
        'task.reopen',
      ]),
    );
    const auditor = {
      userId: 'usr_demo_auditor',
      workspaceId: demo.workspaceId,
      roles: ['audit-admin' as const],
      unitId: null,
      ip: null,
    };
    const verdict = await verifyAuditTrail({ db: database().db, clock: () => new Date() }, auditor);
    expect(verdict.ok).toBe(true);
    expect(verdict.events).toBe(summary.auditEvents);
  });

  it('leaves the real workspace untouched', async () => {
    expect(await summarizeDemoWorkspace(database().db, realId)).toEqual(realBefore);
  });

  it('refuses a second run on the same database, changing nothing', async () => {
    const before = await summarizeDemoWorkspace(database().db, demo.workspaceId);
    await expect(demoOn(database(), 7, UNTIL)).rejects.toThrow(DemoError);
    await expect(demoOn(database(), 7, UNTIL)).rejects.toThrow(/^演示工作区已存在/);
    expect(await summarizeDemoWorkspace(database().db, demo.workspaceId)).toEqual(before);
  });

  it(`gives the same rows for the same seed and --until, and others for another seed [${dialect}]`, async () => {
    const first = await summaryOfFreshRun(dialect, 3, SHORT);
    const again = await summaryOfFreshRun(dialect, 3, SHORT);
    const other = await summaryOfFreshRun(dialect, 4, SHORT);
    expect(again).toEqual(first);
    expect(other.digest).not.toBe(first.digest);
    expect(other.tasks).toBe(48);
  }, 300_000);
});

describeEachDatabase('luoshi demo: refusals, and a run that stops on the first day', (_database, dialect) => {
  /** Each test its own database, as the server left it at the given step. */
  async function withDatabase(
    step: 'empty' | 'workspace' | 'accounts',
    test: (database: TestDatabase) => Promise<void>,
  ): Promise<void> {
    const database = await createTestDatabase(dialect);
    try {
      if (step !== 'empty') {
        await seedExampleWorkspace({
          db: database.db,
          clock: () => new Date('2026-11-02T02:00:00Z'),
          log: { info() {} },
          config: { timeZone: TIME_ZONE, host: '127.0.0.1', port: 0 },
        });
      }
      if (step === 'accounts') {
        await createInitialAccounts({ db: database.db, clock: () => new Date('2026-11-02T02:00:00Z') }, auth);
      }
      await test(database);
    } finally {
      await database.dispose();
    }
  }

  const demoWorkspaces = (database: TestDatabase) =>
    database.db.selectFrom('workspaces').select('id').where('name', '=', DEMO_WORKSPACE_NAME).execute();

  it('refuses a database without a real workspace (the server never started)', () =>
    withDatabase('empty', async (database) => {
      await expect(demoOn(database, 1, SHORT)).rejects.toThrow(
        /^数据库中还没有正式工作区或其初始账号：请先启动一次服务/,
      );
      const rows = await database.db.selectFrom('workspaces').select('id').execute();
      expect(rows.filter((row) => row.id !== 'system')).toEqual([]);
    }));

  it('refuses a database whose real workspace has no account yet (its first accounts are still to come)', () =>
    withDatabase('workspace', async (database) => {
      await expect(demoOn(database, 1, SHORT)).rejects.toThrow(/^数据库中还没有正式工作区或其初始账号/);
      expect(await demoWorkspaces(database)).toEqual([]);
    }));

  it('refuses an --until before the plan was issued, writing nothing', () =>
    withDatabase('accounts', async (database) => {
      await expect(demoOn(database, 1, '2021-05-31')).rejects.toThrow(/早于示例方案的印发日期 2021-06-02/);
      expect(await demoWorkspaces(database)).toEqual([]);
    }));

  it(
    'stops at the end of --until: on the issue day, the plan and the accounts and nothing later',
    () =>
      withDatabase('accounts', async (database) => {
        const demo = await demoOn(database, 1, '2021-06-02');
        const summary = await summarizeDemoWorkspace(database.db, demo.workspaceId);
        expect(summary.tasks).toBe(48);
        expect(summary.users).toBe(15);
        expect([summary.projects, summary.readings, summary.comments]).toEqual([0, 0, 0]);
        expect(summary.reports).toEqual({});
        const last = await database.db
          .selectFrom('audit_events')
          .select('at')
          .where('workspace_id', '=', demo.workspaceId)
          .orderBy('seq', 'desc')
          .executeTakeFirstOrThrow();
        // The end of 2 June 2021 in Shanghai.
        expect(last.at < '2021-06-02T16:00:00.000Z').toBe(true);
      }),
    120_000,
  );
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function luoshi(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      BIN,
      args,
      { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent', PASSWORD_HASH_COST: '10', ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('bin/luoshi demo on SQLite', () => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    await seedRealWorkspace(database);
    const { rows } = await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(
      database.db,
    );
    dataDir = mkdtempSync(join(tmpdir(), 'luoshi-demo-'));
    env = { DATABASE_URL: `sqlite:${rows[0]?.file ?? ''}`, DATA_DIR: dataDir, TIME_ZONE };
  });

  afterAll(async () => {
    await database.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the workspace and its demo accounts, and writes their passwords to a 0600 file only', async () => {
    const run = await luoshi(['demo', '--until', '2021-12-31', '--seed', '5'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`已建立${DEMO_WORKSPACE_NAME}`);
    expect(run.stdout).toMatch(/demo-office\s+office/);
    expect(run.stdout).toMatch(/demo-jw-reporter\s+unit-reporter\s+区经委/);
    expect(run.stdout).toMatch(/任务 tasks：48/);
    const file = join(dataDir, 'demo-accounts.txt');
    expect(run.stdout).toContain(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.length).toBe(15);
    for (const line of lines) {
      const [username, password] = line.split(/\s+/);
      expect(username).toMatch(/^demo-/);
      // The password is in the file, never on standard output.
      expect(run.stdout).not.toContain(password);
    }
  }, 300_000);

  it('refuses a second run with one Chinese-first line and exit code 2', async () => {
    const run = await luoshi(['demo', '--until', '2021-12-31'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^luoshi demo: 演示工作区已存在（ws_[0-9A-Z]+），不会重复创建或覆盖.*\n$/);
    expect(run.stdout).toBe('');
  }, 60_000);

  it('refuses bad arguments with exit code 2', async () => {
    const errors: string[] = [];
    const io = { out: { write: () => true }, err: { write: (text: string) => errors.push(text) } };
    expect(await demoCommand(['--until', '2021-02-30'], { ...io, config: testConfig() })).toBe(2);
    expect(await demoCommand(['--seed', '-1'], { ...io, config: testConfig() })).toBe(2);
    expect(await demoCommand(['--colour'], { ...io, config: testConfig() })).toBe(2);
    expect(errors.map((line) => line.split('\n')[0])).toEqual([
      'luoshi demo: --until 应为 YYYY-MM-DD 格式的日期，实际为 2021-02-30（--until: a date YYYY-MM-DD）',
      'luoshi demo: --seed 应为非负整数，实际为 -1（--seed: an integer ≥ 0）',
      'luoshi demo: 未知参数 --colour（unknown argument）',
    ]);
  });

  it('runs to today by the injected clock when --until is left out', async () => {
    const other = await createTestDatabase('sqlite');
    const otherDataDir = mkdtempSync(join(tmpdir(), 'luoshi-demo-'));
    try {
      await seedRealWorkspace(other);
      const { rows } = await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(
        other.db,
      );
      const out: string[] = [];
      const code = await demoCommand([], {
        out: { write: (text: string) => out.push(text) },
        err: { write: (text: string) => out.push(text) },
        config: testConfig({ DATABASE_URL: `sqlite:${rows[0]?.file ?? ''}`, DATA_DIR: otherDataDir, TIME_ZONE }),
        // 2021-09-30 in Shanghai.
        clock: () => new Date('2021-09-30T15:00:00Z'),
      });
      expect(out.join('')).toContain('模拟至 until 2021-09-30');
      expect(code).toBe(0);
    } finally {
      await other.dispose();
      rmSync(otherDataDir, { recursive: true, force: true });
    }
  }, 300_000);
});

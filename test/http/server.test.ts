/**
 * The production boot file, run as the real process (`node --import tsx src/server.ts`): it reads the environment,
 * migrates a fresh SQLite file, listens, answers, and stops cleanly on SIGTERM. And `buildServer`'s first-start seed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { migrateToLatest, openDatabase } from '../../src/db/database.ts';
import { buildServer, type SeedContext } from '../../src/server.ts';
import { recordAudit } from '../../src/services/audit.ts';
import { verifyWorkspaceChain } from '../../src/services/audit-verify.service.ts';
import { inTransaction } from '../../src/services/transaction.ts';
import { buildActor, buildWorkspace } from '../factories.ts';
import { testConfig } from '../helpers/app.ts';
import { TEST_AUDIT_KEY_HEX, auditTrailOf, testAuditKey } from '../helpers/audit-tamper.ts';

const ROOT = new URL('../../', import.meta.url);
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'luoshi-server-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Started {
  readonly url: Promise<string>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  kill(signal: NodeJS.Signals): void;
}

function startServer(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { url?: string };
        if (entry.url !== undefined) resolve(entry.url);
      }
    });
    void exit.then(({ code }) => reject(new Error(`the server exited (${code}) before listening: ${stderr}`)));
  });
  // Tests that expect no listening await `url` themselves; until then its rejection is not unhandled.
  url.catch(() => {});
  return {
    url,
    exit,
    stdout: () => stdout,
    stderr: () => stderr,
    kill: (signal) => child.kill(signal),
  };
}

describe('the server process', () => {
  it('migrates, answers /api/health, refuses actors from headers, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const server = startServer({
      PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, 'luoshi.db')}`,
      DATA_DIR: dir,
      AUDIT_KEY: '',
    });
    try {
      const url = await server.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // Issue 9, finding 4: without AUDIT_KEY the start says plainly that the audit chains are unanchored.
      expect(server.stdout()).toMatch(/"level":40,[^\n]*"msg":"未设置 AUDIT_KEY：审计链未锚定/);

      const health = await fetch(`${url}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', database: 'sqlite' });

      const me = await fetch(`${url}/api/me`, {
        headers: { 'x-actor': '{"userId":"usr_1","workspaceId":"ws_1","roles":["office"],"unitId":null}' },
      });
      expect(me.status).toBe(401);
      expect(await me.json()).toEqual({ error: { code: 'unauthenticated', message: '请先登录（sign-in required）' } });
    } finally {
      server.kill('SIGTERM');
    }
    expect(await server.exit).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('已停止（stopped）');
    expect(server.stderr()).toBe('');
  });

  it('finding 6d: the first start writes the one-time passwords to DATA_DIR/first-accounts.txt (0600) and prints only where it is', async () => {
    const dir = tempDir();
    const file = join(dir, 'first-accounts.txt');
    const server = startServer({ PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'luoshi.db')}`, DATA_DIR: dir });
    let accounts: { username: string; password: string; role: string }[] = [];
    try {
      const url = await server.url;
      await vi.waitFor(() => expect(server.stdout()).toContain(file), { timeout: 10_000 });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const lines = readFileSync(file, 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      accounts = lines.map((line) => {
        // Today's layout, one account a line: name, password, then the display name with the role.
        const match = /^(\S+) +(\S{16}) {2}\S+（([a-z-]+)）$/.exec(line);
        if (match === null) throw new Error(`unexpected line: ${line}`);
        return { username: match[1] ?? '', password: match[2] ?? '', role: match[3] ?? '' };
      });
      expect(accounts.map((account) => [account.username, account.role])).toEqual([
        ['sysadmin', 'system-admin'],
        ['secadmin', 'security-admin'],
        ['auditadmin', 'audit-admin'],
        ['office', 'office'],
      ]);
      // The passwords in the file are the accounts' own.
      const signedIn = await fetch(`${url}/api/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'office', password: accounts[3]?.password }),
      });
      expect(signedIn.status).toBe(200);
      expect(await signedIn.json()).toMatchObject({ mustChangePassword: true });
    } finally {
      server.kill('SIGTERM');
    }
    expect(await server.exit).toEqual({ code: 0, signal: null });
    expect(accounts).toHaveLength(4);
    for (const { password } of accounts) {
      expect(server.stdout()).not.toContain(password);
      expect(server.stderr()).not.toContain(password);
    }
  });

  it('stops with one line on stderr and exit code 1 when a first start finds first-accounts.txt already there', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'first-accounts.txt'), 'left from an earlier first start\n');
    const server = startServer({ PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'luoshi.db')}`, DATA_DIR: dir });
    expect(await server.exit).toEqual({ code: 1, signal: null });
    expect(server.stderr()).toMatch(/^首次启动的账号文件 \S+first-accounts\.txt 已存在：[^\n]*\n$/);
    expect(readFileSync(join(dir, 'first-accounts.txt'), 'utf8')).toBe('left from an earlier first start\n');
    await expect(server.url).rejects.toThrow();
  });

  it('stops with one line on stderr and exit code 2 for a bad configuration value', async () => {
    const server = startServer({ PORT: 'abc' });
    expect(await server.exit).toEqual({ code: 2, signal: null });
    expect(server.stderr()).toMatch(/^配置错误：PORT 应为 0–65535 之间的整数，实际为 "abc"（Invalid PORT[^\n]*）\n$/);
    await expect(server.url).rejects.toThrow();
  });

  it('stops with one line on stderr and exit code 1 when the database cannot be opened', async () => {
    const dir = tempDir();
    // A file where the database's folder should be.
    writeFileSync(join(dir, 'not-a-dir'), 'a file');
    const server = startServer({ PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'not-a-dir', 'luoshi.db')}` });
    const { code } = await server.exit;
    expect(code).toBe(1);
    expect(server.stderr()).toMatch(/^无法打开数据库 sqlite:[^\n]*\n$/);
    await expect(server.url).rejects.toThrow();
  });
});

describe('buildServer', () => {
  it('calls the seed on the first start only, when no workspace exists', async () => {
    const dir = tempDir();
    const config = testConfig({ DATABASE_URL: `sqlite:${join(dir, 'luoshi.db')}`, DATA_DIR: dir });
    const seen: SeedContext[] = [];
    const seed = async (context: SeedContext) => {
      seen.push(context);
      const now = context.clock().toISOString();
      await context.db
        .insertInto('workspaces')
        .values({ id: 'ws_seed', name: '金山区', time_zone: 'Asia/Shanghai', created_at: now, updated_at: now })
        .execute();
    };

    const first = await buildServer({ config, seed });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.dialect).toBe('sqlite');
    expect(first.firstAccountsFile).toBe(join(dir, 'first-accounts.txt'));
    const health = await first.app.inject({ method: 'GET', url: '/api/health' });
    expect(health.json()).toEqual({ status: 'ok', database: 'sqlite' });
    await first.close();

    const second = await buildServer({ config, seed });
    expect(seen).toHaveLength(1);
    expect(second.firstAccountsFile).toBeNull();
    await second.close();
  });

  it('finding 4: anchors every unanchored audit chain at start when AUDIT_KEY is set, once', async () => {
    const dir = tempDir();
    const file = join(dir, 'luoshi.db');
    const before = await openDatabase({ database: { dialect: 'sqlite', filename: file } });
    let workspaceId: string;
    try {
      await migrateToLatest(before.db);
      workspaceId = (await buildWorkspace(before.db)).id;
      await inTransaction(before.db, (trx) =>
        recordAudit(trx, buildActor(workspaceId), new Date(), {
          action: 'plan.confirm',
          subjectType: null,
          subjectId: null,
        }),
      );
      // The reserved chain of sign-ins with unknown names: nothing but the anchoring writes there at start.
      await inTransaction(before.db, (trx) =>
        recordAudit(trx, buildActor('system'), new Date(), {
          action: 'auth.sign-in',
          subjectType: null,
          subjectId: null,
        }),
      );
    } finally {
      await before.close();
    }
    const config = testConfig({ DATABASE_URL: `sqlite:${file}`, AUDIT_KEY: TEST_AUDIT_KEY_HEX });
    for (let start = 0; start < 2; start++) {
      const server = await buildServer({ config });
      await server.close();
    }
    const after = await openDatabase({ database: { dialect: 'sqlite', filename: file } });
    try {
      const events = await auditTrailOf(after.db, workspaceId);
      // Anchored before anything else is recorded (the first accounts are made in this workspace), and only once.
      expect(events.slice(0, 2).map((event) => [event.seq, event.action, event.detail])).toEqual([
        [1, 'plan.confirm', '{}'],
        [2, 'audit.anchor', '{"reason":"no-hmac","coveredSeq":1}'],
      ]);
      expect(events.filter((event) => event.action === 'audit.anchor')).toHaveLength(1);
      const verdict = await verifyWorkspaceChain(after.db, workspaceId, { key: testAuditKey() });
      expect(verdict).toMatchObject({ ok: true, anchor: 'anchored', anchoredAt: [2] });
      expect((await auditTrailOf(after.db, 'system')).map((event) => [event.seq, event.action])).toEqual([
        [1, 'auth.sign-in'],
        [2, 'audit.anchor'],
      ]);
      expect((await verifyWorkspaceChain(after.db, 'system', { key: testAuditKey() })).anchor).toBe('anchored');
    } finally {
      await after.close();
    }
  });

  it("passes a failing seed's error on", async () => {
    const dir = tempDir();
    const config = testConfig({ DATABASE_URL: `sqlite:${join(dir, 'luoshi.db')}`, DATA_DIR: dir });
    await expect(
      buildServer({
        config,
        seed: async () => {
          throw new Error('seed failed');
        },
      }),
    ).rejects.toThrow('seed failed');
  });
});

// `luoshi audit verify` as an operator runs it: the real executable against a SQLite file and a PostgreSQL schema,
// after rows were changed, deleted or inserted directly in the database; its stdout, stderr and exit code.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAuditKey } from '../../src/db/audit-key.ts';
import {
  migrateToLatest,
  openDatabase,
  type DatabaseHandle,
  type DialectName,
  type Db,
} from '../../src/db/database.ts';
import { UNANCHORED_LINE } from '../../src/cli/audit.ts';
import { MIGRATIONS } from '../../src/db/migrations/index.ts';
import { recordAudit } from '../../src/services/audit.ts';
import { inTransaction } from '../../src/services/transaction.ts';
import { buildActor, buildWorkspace } from '../factories.ts';
import { snapshotAuditHeads, writeAuditHeadFile } from '../../src/services/audit-anchor.service.ts';
import {
  TEST_AUDIT_KEY_HEX,
  auditHeadOf,
  auditTrailOf,
  changeAuditEvent,
  deleteAuditEvent,
  insertForgedAuditEvent,
  rewriteAuditChain,
  testAuditKey,
  truncateAuditChain,
} from '../helpers/audit-tamper.ts';
import { createTestDatabase, TEST_DIALECTS, TEST_POSTGRES_URL, type TestDatabase } from '../helpers/db.ts';

const BIN = join(import.meta.dirname, '../../bin/luoshi');

function luoshi(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      BIN,
      args,
      // No AUDIT_KEY unless the test gives one, whatever the environment running the tests holds.
      { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent', AUDIT_KEY: '', ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** One clear line on stderr, Chinese first, with no stack trace. */
function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^luoshi audit: .*[\u4e00-\u9fff]/);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

/** A workspace whose trail holds `count` events, one a day from 2021-07-01, written through `db`; returns its id. */
async function trail(handle: DatabaseHandle, count: number, db: Db = handle.db): Promise<string> {
  const workspace = await buildWorkspace(handle.db);
  const actor = buildActor(workspace.id);
  const actions = ['plan.confirm', 'report.submit', 'report.accept', 'notice.issue'];
  for (let i = 0; i < count; i++) {
    await inTransaction(db, (trx) =>
      recordAudit(trx, actor, new Date(Date.UTC(2021, 6, 1 + i, 2)), {
        action: actions[i % actions.length] ?? 'x',
        subjectType: 'report',
        subjectId: `rpt_${i}`,
        detail: { value: i },
      }),
    );
  }
  return workspace.id;
}

/** Six workspaces: one whole, then one for each kind of tampering. */
async function tamperedWorkspaces(handle: DatabaseHandle, dialect: DialectName) {
  const whole = await trail(handle, 3);
  const changed = await trail(handle, 3);
  await changeAuditEvent(handle.db, dialect, changed, 2, { detail: '{"value":100}' });
  const deletedInMiddle = await trail(handle, 4);
  await deleteAuditEvent(handle.db, dialect, deletedInMiddle, 2);
  const deletedLast = await trail(handle, 3);
  await deleteAuditEvent(handle.db, dialect, deletedLast, 3);
  const insertedInMiddle = await trail(handle, 3);
  await insertForgedAuditEvent(handle.db, dialect, insertedInMiddle, 2);
  const appended = await trail(handle, 3);
  await insertForgedAuditEvent(handle.db, dialect, appended, 4);
  const hashOf = async (workspaceId: string, seq: number) =>
    (await auditTrailOf(handle.db, workspaceId)).find((event) => event.seq === seq)?.hash ?? '';
  return { whole, changed, deletedInMiddle, deletedLast, insertedInMiddle, appended, hashOf };
}

/** The block of lines the command prints for one workspace. */
function blockOf(stdout: string, workspaceId: string): string {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`${workspaceId}  `));
  if (start < 0) throw new Error(`no line for ${workspaceId} in:\n${stdout}`);
  const block = [lines[start]];
  for (let i = start + 1; i < lines.length && (lines[i] ?? '').startsWith('    '); i++) block.push(lines[i]);
  return block.join('\n');
}

describe.runIf(TEST_DIALECTS.includes('sqlite'))('luoshi audit verify [sqlite]', () => {
  let dir: string;
  let file: string;
  let handle: DatabaseHandle;
  let ws: Awaited<ReturnType<typeof tamperedWorkspaces>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'luoshi-audit-cli-'));
    file = join(dir, 'luoshi.db');
    handle = await openDatabase({ database: { dialect: 'sqlite', filename: file } });
    await migrateToLatest(handle.db);
    ws = await tamperedWorkspaces(handle, 'sqlite');
  });
  afterAll(async () => {
    await handle.close();
  });

  it('prints one line per workspace, names the first broken event of each broken chain, and exits 1', async () => {
    const { code, stdout, stderr } = await luoshi(['audit', 'verify', '--database', `sqlite:${file}`]);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(blockOf(stdout, ws.whole)).toBe(
      `${ws.whole}  完整（OK）  3 条事件（events）  链头（head）#3 ${await ws.hashOf(ws.whole, 3)}`,
    );
    expect(blockOf(stdout, ws.changed)).toBe(
      [
        `${ws.changed}  已损坏（BROKEN）  第 2 条事件被改动：内容与哈希不符（row changed: hash mismatch）`,
        '    事件（event）      #2 aud_000000000002 2021-07-02T02:00:00.000Z report.submit',
        '    之前（before）     #1 aud_000000000001 2021-07-01T02:00:00.000Z plan.confirm',
        `    链头（head）       #3 ${await ws.hashOf(ws.changed, 3)}`,
      ].join('\n'),
    );
    expect(blockOf(stdout, ws.deletedInMiddle)).toBe(
      [
        `${ws.deletedInMiddle}  已损坏（BROKEN）  第 2 条事件缺失：已被删除（row deleted: seq gap）`,
        '    缺失（missing）    #2 aud_000000000002',
        '    之前（before）     #1 aud_000000000001 2021-07-01T02:00:00.000Z plan.confirm',
        '    之后（after）      #3 aud_000000000003 2021-07-03T02:00:00.000Z report.accept',
        `    链头（head）       #4 ${await ws.hashOf(ws.deletedInMiddle, 4)}`,
      ].join('\n'),
    );
    expect(blockOf(stdout, ws.deletedLast)).toMatch(
      /^\S+ {2}已损坏（BROKEN） {2}第 3 条事件缺失：链尾被删除，链头记录到第 3 条（rows deleted at the end: the head records seq 3）\n {4}缺失（missing） {4}#3 aud_000000000003\n {4}之前（before） {5}#2 aud_000000000002 2021-07-02T02:00:00.000Z report.submit\n/,
    );
    expect(blockOf(stdout, ws.insertedInMiddle)).toMatch(
      /^\S+ {2}已损坏（BROKEN） {2}第 2 条事件是插入的：其后事件的序号被后移（row inserted, later rows renumbered）\n {4}事件（event） {6}#2 aud_000000000002 2021-07-01T02:00:00.000Z report.delete\n/,
    );
    expect(blockOf(stdout, ws.appended)).toMatch(
      /^\S+ {2}已损坏（BROKEN） {2}第 4 条事件是插入的：位于链头记录的第 3 条之后（row inserted after the chain head）\n {4}事件（event） {6}#4 aud_000000000004 2021-07-03T02:00:00.000Z report.delete\n/,
    );
    // The other workspaces (migration 0004's system workspace, for one) have whole chains.
    const { count } = await handle.db
      .selectFrom('workspaces')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(
      `共 ${count} 个工作区：${count - 5} 个完整，5 个已损坏（${count} workspaces: ${count - 5} whole, 5 broken）`,
    );
  });

  it('checks one workspace with --workspace, taking the database from DATABASE_URL, and exits 0 when it is whole', async () => {
    const { code, stdout, stderr } = await luoshi(['audit', 'verify', '--workspace', ws.whole], {
      DATABASE_URL: `sqlite:${file}`,
    });
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout.trimEnd().split('\n')).toEqual([
      UNANCHORED_LINE.trimEnd(),
      `${ws.whole}  完整（OK）  3 条事件（events）  链头（head）#3 ${await ws.hashOf(ws.whole, 3)}`,
      '共 1 个工作区：1 个完整，0 个已损坏（1 workspaces: 1 whole, 0 broken）',
    ]);
    const broken = await luoshi(['audit', 'verify', `--workspace=${ws.changed}`, `--database=sqlite:${file}`]);
    expect(broken.code).toBe(1);
  });

  it.each<[string, string[], RegExp]>([
    ['no subcommand', ['audit'], /缺少子命令/],
    ['an unknown option', ['audit', 'verify', '--all'], /未知参数 --all/],
    ['an option without its value', ['audit', 'verify', '--workspace'], /--workspace 需要一个值/],
    ['a bad database URL', ['audit', 'verify', '--database', 'mysql://x'], /--database 应为/],
    ['a missing database file', ['audit', 'verify', '--database', 'sqlite:/nonexistent/luoshi.db'], /数据库文件不存在/],
    ['an unknown workspace', ['audit', 'verify', '--workspace', 'ws_nope'], /未找到工作区 ws_nope/],
  ])('exits 2 with one line for %s', async (_what, args, pattern) => {
    const { code, stdout, stderr } = await luoshi(args, { DATABASE_URL: `sqlite:${file}` });
    expect(code).toBe(2);
    // Usage errors print the usage after their line.
    expectOneLineError(stderr.split('\n用法 usage:')[0] ?? '', pattern);
    expect(stdout).toBe('');
  });

  it('exits 2 on a bad DATABASE_URL, an empty database and a schema older than the program, changing none', async () => {
    const badConfig = await luoshi(['audit', 'verify'], { DATABASE_URL: 'oracle://x' });
    expect(badConfig.code).toBe(2);
    expectOneLineError(badConfig.stderr, /配置错误：DATABASE_URL/);

    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const fresh = await luoshi(['audit', 'verify', '--database', `sqlite:${empty}`]);
    expect(fresh.code).toBe(2);
    expectOneLineError(fresh.stderr, /数据库尚未初始化/);

    const older = join(dir, 'older.db');
    const olderHandle = await openDatabase({ database: { dialect: 'sqlite', filename: older } });
    const names = Object.keys(MIGRATIONS);
    const previous = names.at(-2) ?? '';
    try {
      const migrator = new Migrator({ db: olderHandle.db, provider: { getMigrations: async () => MIGRATIONS } });
      expect((await migrator.migrateTo(previous)).error).toBeUndefined();
      const result = await luoshi(['audit', 'verify', '--database', `sqlite:${older}`]);
      expect(result.code).toBe(2);
      expectOneLineError(result.stderr, new RegExp(`数据库结构版本较旧，缺少迁移 ${names.at(-1)}`));
      // Verify did not migrate it.
      expect((await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name)).toEqual([
        names.at(-1),
      ]);
    } finally {
      await olderHandle.close();
    }
  });
});

describe.runIf(TEST_DIALECTS.includes('postgres'))('luoshi audit verify [postgres]', () => {
  let database: TestDatabase;
  let url: string;
  let ws: Awaited<ReturnType<typeof tamperedWorkspaces>>;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
    const parsed = new URL(TEST_POSTGRES_URL);
    parsed.searchParams.set('schema', rows[0]?.schema ?? '');
    url = parsed.toString();
    ws = await tamperedWorkspaces(database, 'postgres');
  });
  afterAll(async () => {
    await database?.dispose();
  });

  it('finds the same breaks in a PostgreSQL schema, and exits 0 for a whole workspace', async () => {
    const all = await luoshi(['audit', 'verify', '--database', url]);
    expect([all.code, all.stderr]).toEqual([1, '']);
    expect(blockOf(all.stdout, ws.whole)).toMatch(/ {2}完整（OK） {2}3 条事件（events）/);
    const causes = [ws.changed, ws.deletedInMiddle, ws.deletedLast, ws.insertedInMiddle, ws.appended].map((id) =>
      (blockOf(all.stdout, id).split('\n')[0] ?? '').split('  ').at(-1),
    );
    expect(causes).toEqual([
      '第 2 条事件被改动：内容与哈希不符（row changed: hash mismatch）',
      '第 2 条事件缺失：已被删除（row deleted: seq gap）',
      '第 3 条事件缺失：链尾被删除，链头记录到第 3 条（rows deleted at the end: the head records seq 3）',
      '第 2 条事件是插入的：其后事件的序号被后移（row inserted, later rows renumbered）',
      '第 4 条事件是插入的：位于链头记录的第 3 条之后（row inserted after the chain head）',
    ]);
    const one = await luoshi(['audit', 'verify', '--workspace', ws.whole], { DATABASE_URL: url });
    expect([one.code, one.stderr]).toEqual([0, '']);
  });
});

/**
 * Finding 4's workspaces, all written with AUDIT_KEY but one: a whole chain, one rewritten with recomputed hashes and
 * head after the heads were written outside, one cut back to an earlier head put back with its genuine HMAC, and one
 * from before the key.
 */
async function anchoredWorkspaces(handle: DatabaseHandle) {
  const keyed = withAuditKey(handle.db, testAuditKey());
  const whole = await trail(handle, 3, keyed);
  const rewritten = await trail(handle, 4, keyed);
  const truncated = await trail(handle, 2, keyed);
  const earlier = await auditHeadOf(handle.db, truncated);
  for (let i = 0; i < 2; i++) {
    await inTransaction(keyed, (trx) =>
      recordAudit(trx, buildActor(truncated), new Date(), {
        action: 'report.submit',
        subjectType: null,
        subjectId: null,
      }),
    );
  }
  const unanchored = await trail(handle, 2);
  return { whole, rewritten, truncated, earlier, unanchored };
}

async function tamperAnchored(
  handle: DatabaseHandle,
  dialect: DialectName,
  ws: Awaited<ReturnType<typeof anchoredWorkspaces>>,
) {
  await rewriteAuditChain(handle.db, dialect, ws.rewritten, 2, { actor_id: 'usr_forger' });
  await truncateAuditChain(handle.db, dialect, ws.truncated, ws.earlier);
}

const HMAC_LINE = '链头的 HMAC 与 AUDIT_KEY 不符：事件与链头在数据库中被改写（哈希已重算），或密钥不是锚定它的那一把';
const BEHIND_LINE = '链尾早于预期链头：预期到第 4 条，现只到第 2 条；链尾被删除后恢复了较早的链头';

describe.runIf(TEST_DIALECTS.includes('sqlite'))('finding 4: audit chain rewritable — luoshi audit [sqlite]', () => {
  let dir: string;
  let url: string;
  let handle: DatabaseHandle;
  let ws: Awaited<ReturnType<typeof anchoredWorkspaces>>;
  const withKey = { AUDIT_KEY: TEST_AUDIT_KEY_HEX };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'luoshi-audit-anchor-cli-'));
    url = `sqlite:${join(dir, 'luoshi.db')}`;
    handle = await openDatabase({ database: { dialect: 'sqlite', filename: join(dir, 'luoshi.db') } });
    await migrateToLatest(handle.db);
    ws = await anchoredWorkspaces(handle);
  });
  afterAll(async () => {
    await handle.close();
  });

  it('writes the heads outside with export-head, then catches the rewrite by the key and the cut by the expected head', async () => {
    const file = join(dir, 'heads.json');
    const exported = await luoshi(['audit', 'export-head', file, '--database', url], withKey);
    expect([exported.code, exported.stderr]).toEqual([0, '']);
    expect(exported.stdout.trimEnd().split('\n').at(-1)).toMatch(/^已写出 \d+ 个工作区的链头：.*heads\.json/);
    const heads = JSON.parse(readFileSync(file, 'utf8')).heads as { workspaceId: string; seq: number }[];
    expect(heads.find((head) => head.workspaceId === ws.truncated)?.seq).toBe(4);

    await tamperAnchored(handle, 'sqlite', ws);
    // The chain that predates the key is anchored first (exit 0, one audit.anchor event).
    const anchored = await luoshi(['audit', 'anchor', '--workspace', ws.unanchored, '--database', url], withKey);
    expect([anchored.code, anchored.stderr, anchored.stdout]).toEqual([
      0,
      '',
      `${ws.unanchored}  本次锚定（anchored now）  audit.anchor #3（no-hmac）\n`,
    ]);

    const { code, stdout, stderr } = await luoshi(
      ['audit', 'verify', '--database', url, '--expect-head', file, '--require-key'],
      withKey,
    );
    expect([code, stderr]).toEqual([1, '']);
    expect(stdout).not.toContain('未锚定');
    expect(blockOf(stdout, ws.whole)).toBe(
      `${ws.whole}  完整（OK）  3 条事件（events）  链头（head）#3 ${(await auditHeadOf(handle.db, ws.whole)).hash}` +
        '  已锚定（anchored）  含预期链头（holds the expected head）#3',
    );
    expect(blockOf(stdout, ws.unanchored)).toMatch(
      /^\S+ {2}完整（OK） {2}3 条事件（events）.* {2}已锚定（anchored） {2}含预期链头（holds the expected head）#2\n {4}锚定事件（anchor events） {2}#3$/,
    );
    expect(blockOf(stdout, ws.rewritten).split('\n')[0]).toBe(
      `${ws.rewritten}  已损坏（BROKEN）  ${HMAC_LINE}（the head fails its HMAC: events and head rewritten with recomputed hashes, or another key）`,
    );
    expect(blockOf(stdout, ws.truncated).split('\n')).toEqual([
      `${ws.truncated}  已损坏（BROKEN）  ${BEHIND_LINE}（the chain ends before the expected head: cut back to an earlier head）`,
      '    缺失（missing）    #3 aud_000000000003 … #4',
      expect.stringMatching(/^ {4}之前（before） {5}#2 aud_000000000002 /),
      `    链头（head）       #2 ${ws.earlier.hash}`,
      expect.stringMatching(/^ {4}预期（expected） {3}#4 [0-9a-f]{64}$/),
    ]);
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/个工作区：\d+ 个完整，2 个已损坏/);
  });

  it('says first that the chains are unanchored without a key, exits 0 for a whole chain, and 2 with --require-key', async () => {
    const plain = await luoshi(['audit', 'verify', '--database', url, '--workspace', ws.whole]);
    expect([plain.code, plain.stderr]).toEqual([0, '']);
    expect(plain.stdout.split('\n')[0]).toBe(UNANCHORED_LINE.trimEnd());
    expect(plain.stdout.split('\n')[1]).toMatch(
      /^\S+ {2}完整（OK） {2}3 条事件（events） {2}链头（head）#3 [0-9a-f]{64}$/,
    );

    const required = await luoshi(['audit', 'verify', '--database', url, '--require-key']);
    expect([required.code, required.stdout]).toEqual([2, '']);
    expectOneLineError(required.stderr, /未设置 AUDIT_KEY，无法按 --require-key 核对锚定/);
  });
});

describe.runIf(TEST_DIALECTS.includes('postgres'))(
  'finding 4: audit chain rewritable — luoshi audit [postgres]',
  () => {
    let database: TestDatabase;
    let url: string;
    let ws: Awaited<ReturnType<typeof anchoredWorkspaces>>;
    let file: string;

    beforeAll(async () => {
      database = await createTestDatabase('postgres');
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
      const parsed = new URL(TEST_POSTGRES_URL);
      parsed.searchParams.set('schema', rows[0]?.schema ?? '');
      url = parsed.toString();
      ws = await anchoredWorkspaces(database);
      file = join(mkdtempSync(join(tmpdir(), 'luoshi-audit-anchor-cli-')), 'heads.json');
      const snapshot = await snapshotAuditHeads(database.db, new Date(), testAuditKey());
      await writeAuditHeadFile(file, snapshot.heads);
      await tamperAnchored(database, 'postgres', ws);
    });
    afterAll(async () => {
      await database?.dispose();
    });

    it('catches the rewrite by the key and the cut by the expected head in a PostgreSQL schema', async () => {
      const { code, stdout, stderr } = await luoshi(['audit', 'verify', '--database', url, '--expect-head', file], {
        AUDIT_KEY: TEST_AUDIT_KEY_HEX,
      });
      expect([code, stderr]).toEqual([1, '']);
      expect(blockOf(stdout, ws.whole)).toMatch(/ {2}完整（OK） {2}3 条事件（events）.* {2}已锚定（anchored）/);
      const firstLine = (id: string) => (blockOf(stdout, id).split('\n')[0] ?? '').split('  ').at(-1) ?? '';
      expect(firstLine(ws.rewritten)).toMatch(new RegExp(`^${HMAC_LINE}`));
      expect(firstLine(ws.truncated)).toMatch(new RegExp(`^${BEHIND_LINE}`));
      // The chain from before the key has no HMAC yet: with a key, that is a failure too.
      expect(firstLine(ws.unanchored)).toMatch(/^链头没有 HMAC/);
    });
  },
);

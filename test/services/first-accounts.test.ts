// Issue 9, finding 6d, on both databases: the first accounts' one-time passwords go to DATA_DIR/first-accounts.txt
// (created exclusively, mode 0600, one account a line), in the transaction that creates the accounts.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { signIn } from '../../src/services/auth.service.ts';
import {
  FirstAccountsFileError,
  createInitialAccounts,
  formatFirstAccountsNotice,
} from '../../src/services/bootstrap.service.ts';
import { buildWorkspace, fixedClock } from '../factories.ts';
import { testConfig } from '../helpers/app.ts';
import { createTestDatabase, describeEachDatabase } from '../helpers/db.ts';

const auth = testConfig().auth;

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'luoshi-first-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describeEachDatabase('finding 6d: the first start’s one-time passwords', (_database, dialect) => {
  // Each test needs a database with no account at all, so each makes its own.
  async function freshContext() {
    const database = await createTestDatabase(dialect);
    onTestFinished(() => database.dispose());
    await buildWorkspace(database.db);
    return { db: database.db, clock: fixedClock('2026-11-29T01:00:00.000Z') };
  }

  it('are written to DATA_DIR/first-accounts.txt, mode 0600, one account a line: name, password, role', async () => {
    const ctx = await freshContext();
    const dir = join(tempDir(), 'not-yet-made');
    const accounts = await createInitialAccounts(ctx, auth, { dataDir: dir });
    const file = join(dir, 'first-accounts.txt');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(
      accounts.map((a) => `${a.username.padEnd(10)}  ${a.oneTimePassword}  ${a.displayName}（${a.role}）\n`).join(''),
    );
    expect(readFileSync(file, 'utf8').split('\n').slice(0, 2)).toEqual([
      `sysadmin    ${accounts[0]?.oneTimePassword}  系统管理员（system-admin）`,
      `secadmin    ${accounts[1]?.oneTimePassword}  安全管理员（security-admin）`,
    ]);
    const { session } = await signIn(
      ctx,
      auth,
      { username: 'auditadmin', password: accounts[2]?.oneTimePassword ?? '' },
      { ip: null, userAgent: null },
    );
    expect(session.mustChangePassword).toBe(true);
    // A later start creates nothing and leaves the file alone.
    expect(await createInitialAccounts(ctx, auth, { dataDir: dir })).toEqual([]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('never overwrite a file already there: the start stops and creates no account', async () => {
    const ctx = await freshContext();
    const dir = tempDir();
    writeFileSync(join(dir, 'first-accounts.txt'), 'someone else’s\n');
    await expect(createInitialAccounts(ctx, auth, { dataDir: dir })).rejects.toBeInstanceOf(FirstAccountsFileError);
    expect(readFileSync(join(dir, 'first-accounts.txt'), 'utf8')).toBe('someone else’s\n');
    expect(await ctx.db.selectFrom('users').select('id').execute()).toEqual([]);
    expect(readdirSync(dir)).toEqual(['first-accounts.txt']);
  });
});

it('the notice names the file and holds no password', () => {
  const notice = formatFirstAccountsNotice('/srv/luoshi/data/first-accounts.txt', 'http://127.0.0.1:3000');
  expect(notice).toContain('\n  /srv/luoshi/data/first-accounts.txt\n');
  expect(notice).toContain('0600');
});

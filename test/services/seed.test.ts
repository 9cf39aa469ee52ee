// The first-start seed on both databases: one workspace, the example plan confirmed, every step audited.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AuditEventRow } from '../../src/db/schema.ts';
import { verifyChain } from '../../src/domain/audit-chain.ts';
import { buildServer } from '../../src/server.ts';
import { SYSTEM_WORKSPACE_ID } from '../../src/services/auth.service.ts';
import { getPlan, listPlanTasks } from '../../src/services/plan.service.ts';
import { districtOf, seedExampleWorkspace, systemActor } from '../../src/services/seed.service.ts';
import { fixedClock, testContext } from '../factories.ts';
import { testConfig } from '../helpers/app.ts';
import { createTestDatabase, describeEachDatabase } from '../helpers/db.ts';

const chained = ({ id: _id, ...event }: AuditEventRow) => event;

function capturingLog() {
  const lines: string[] = [];
  return { lines, log: { info: (message: string) => void lines.push(message) } };
}

describeEachDatabase('the first-start seed', (database, dialect) => {
  it('makes one workspace and one confirmed plan of 48 tasks, audited in a chain that verifies', async () => {
    const { db } = database();
    const { lines, log } = capturingLog();
    const config = testConfig({ TIME_ZONE: 'Asia/Urumqi', PORT: '8080' });

    const seeded = await seedExampleWorkspace({ db, clock: fixedClock(), log, config });

    expect(seeded).not.toBeNull();
    const workspaces = await db.selectFrom('workspaces').selectAll().where('id', '!=', SYSTEM_WORKSPACE_ID).execute();
    expect(workspaces).toEqual([expect.objectContaining({ id: seeded?.workspaceId, name: '金山区' })]);
    expect(workspaces[0]?.time_zone).toBe('Asia/Urumqi');

    const plans = await db.selectFrom('plans').select(['id', 'current_version']).execute();
    expect(plans).toEqual([{ id: seeded?.planId, current_version: 1 }]);
    const drafts = await db.selectFrom('plan_drafts').select(['state', 'plan_id']).execute();
    expect(drafts).toEqual([{ state: 'confirmed', plan_id: seeded?.planId }]);

    const actor = systemActor(seeded?.workspaceId ?? '');
    const ctx = testContext(db);
    expect(await getPlan(ctx, actor, seeded?.planId ?? '')).toMatchObject({
      title: '金山区加快推进虹桥国际开放枢纽建设实施方案',
      createdBy: 'system',
    });
    expect(await listPlanTasks(ctx, actor, seeded?.planId ?? '')).toHaveLength(48);

    const events = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('workspace_id', '=', seeded?.workspaceId ?? '')
      .orderBy('seq')
      .execute();
    expect(events[0]).toMatchObject({ seq: 1, action: 'workspace.create', subject_id: seeded?.workspaceId });
    expect(events.map((event) => event.action)).toContain('plan-draft.create');
    expect(events.at(-1)).toMatchObject({ action: 'plan.confirm', subject_id: seeded?.planId });
    expect(new Set(events.map((event) => event.actor_id))).toEqual(new Set(['system']));
    expect(verifyChain(events.map(chained))).toEqual({ ok: true });

    expect(lines[0]).toMatch(/^首次启动：/);
    expect(lines).toContainEqual(expect.stringMatching(/^已创建工作区「金山区」（ws_\w+），时区 Asia\/Urumqi/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^已上传示例方案 jinshan-hongqiao-2021\.md，生成草稿：48 项任务/),
    );
    expect(lines.at(-1)).toBe('接口文档：http://127.0.0.1:8080/api/docs（API docs）');
    // No account here: the first accounts come with one-time passwords from the bootstrap, after the seed.
    expect(lines.join('\n')).not.toMatch(/密码|password/i);
  });

  it('seeds once when two starts race on one empty database', async () => {
    const fresh = await createTestDatabase(dialect);
    onTestFinished(() => fresh.dispose());
    const config = testConfig();
    const seeds = await Promise.all(
      [1, 2].map(() => seedExampleWorkspace({ db: fresh.db, clock: fixedClock(), log: capturingLog().log, config })),
    );
    expect(seeds.filter((seeded) => seeded !== null)).toHaveLength(1);
    expect(
      await fresh.db.selectFrom('workspaces').select('id').where('id', '!=', SYSTEM_WORKSPACE_ID).execute(),
    ).toHaveLength(1);
    expect(await fresh.db.selectFrom('plans').select('id').execute()).toHaveLength(1);
  });
});

describe('districtOf', () => {
  it('names the district of an issuer, or nothing', () => {
    expect(districtOf('上海市金山区人民政府')).toBe('金山区');
    expect(districtOf('浦东新区人民政府')).toBe('浦东新区');
    expect(districtOf('上海市人民政府')).toBeNull();
    expect(districtOf(null)).toBeNull();
  });
});

describe('buildServer with the seed', () => {
  it('seeds an empty SQLite file on the first start and leaves it alone on the next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'luoshi-seed-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const config = testConfig({ DATABASE_URL: `sqlite:${join(dir, 'luoshi.db')}`, DATA_DIR: dir });
    const seed = async (context: Parameters<typeof seedExampleWorkspace>[0]) => {
      await seedExampleWorkspace(context);
    };
    for (let start = 1; start <= 2; start++) {
      const server = await buildServer({ config, seed });
      try {
        const { db } = server.database;
        expect(
          await db.selectFrom('workspaces').select('id').where('id', '!=', SYSTEM_WORKSPACE_ID).execute(),
          `start ${start}`,
        ).toHaveLength(1);
        expect(await db.selectFrom('tasks').select('id').execute(), `start ${start}`).toHaveLength(48);
      } finally {
        await server.close();
      }
    }
  });
});

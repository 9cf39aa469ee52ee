// The unit directory's upkeep by the system administrator, and publishing a plan by the office, on both databases.
import { expect, it } from 'vitest';
import { getPlan } from '../../src/services/plan.service.ts';
import { setPlanPublished } from '../../src/services/plan-publication.service.ts';
import { ServiceError } from '../../src/services/errors.ts';
import { createUnit, listUnits, updateUnitEntry } from '../../src/services/unit.service.ts';
import { buildActor, buildPlan, buildUnit, buildWorkspace, testContext } from '../factories.ts';
import { describeEachDatabase } from '../helpers/db.ts';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ServiceError) return error.code;
    throw error;
  }
  return 'ok';
}

describeEachDatabase('the unit directory’s upkeep', (database) => {
  it('the system administrator adds and edits units with their aliases; names stay unique; each change audited', async () => {
    const { db } = database();
    const ctx = testContext(db);
    const ws = await buildWorkspace(db);
    const sys = buildActor(ws.id, { roles: ['system-admin'] });
    await buildUnit(db, { workspaceId: ws.id, name: '区经委', aliases: ['区经济委员会'] });

    const created = await createUnit(ctx, sys, {
      name: ' 区数据局 ',
      fullName: '金山区大数据中心',
      kind: 'bureau',
      aliases: ['区大数据中心', '区数据局', '区大数据中心'],
    });
    expect(created).toMatchObject({
      name: '区数据局',
      fullName: '金山区大数据中心',
      aliases: ['区大数据中心'],
      version: 1,
    });

    const edited = await updateUnitEntry(ctx, sys, created.id, {
      version: 1,
      name: '区数据局',
      fullName: null,
      kind: 'other',
      aliases: ['区数据管理局'],
    });
    expect(edited).toMatchObject({ fullName: null, kind: 'other', aliases: ['区数据管理局'], version: 2 });
    expect(await codeOf(updateUnitEntry(ctx, sys, created.id, { version: 1, name: 'x', kind: 'other' }))).toBe('stale');
    expect(await codeOf(createUnit(ctx, sys, { name: '区经委', kind: 'bureau' }))).toBe('conflict');
    expect(await codeOf(createUnit(ctx, sys, { name: '区新单位', kind: 'bureau', aliases: ['区经济委员会'] }))).toBe(
      'conflict',
    );
    expect(await codeOf(createUnit(ctx, sys, { name: '  ', kind: 'bureau' }))).toBe('invalid-input');
    for (const role of ['office', 'security-admin', 'audit-admin', 'unit-reporter'] as const) {
      expect(
        await codeOf(createUnit(ctx, buildActor(ws.id, { roles: [role] }), { name: `x${role}`, kind: 'other' })),
      ).toBe('forbidden');
    }
    expect((await listUnits(ctx, sys)).map((unit) => unit.name)).toEqual(['区数据局', '区经委']);
    const actions = await db.selectFrom('audit_events').select('action').where('workspace_id', '=', ws.id).execute();
    expect(actions.map((event) => event.action)).toEqual(['unit.create', 'unit.update']);
  });
});

describeEachDatabase('publishing a plan', (database) => {
  it('the office publishes and withdraws a plan; the public reads it only while published', async () => {
    const { db } = database();
    const ctx = testContext(db);
    const plan = await buildPlan(db);
    const office = buildActor(plan.workspaceId);
    const citizen = buildActor(plan.workspaceId, { roles: ['public'] });
    expect(await codeOf(getPlan(ctx, citizen, plan.id))).not.toBe('ok');
    expect(
      await codeOf(
        setPlanPublished(ctx, buildActor(plan.workspaceId, { roles: ['leader'] }), plan.id, {
          version: 1,
          published: true,
        }),
      ),
    ).toBe('forbidden');
    const published = await setPlanPublished(ctx, office, plan.id, { version: 1, published: true });
    expect(published).toMatchObject({ published: true, version: 2 });
    expect((await getPlan(ctx, citizen, plan.id)).id).toBe(plan.id);
    expect(await codeOf(setPlanPublished(ctx, office, plan.id, { version: 1, published: false }))).toBe('stale');
    await setPlanPublished(ctx, office, plan.id, { version: 2, published: false });
    expect(await codeOf(getPlan(ctx, citizen, plan.id))).not.toBe('ok');
    // Another workspace's office does not find it.
    const stranger = buildActor((await buildWorkspace(db)).id);
    expect(await codeOf(setPlanPublished(ctx, stranger, plan.id, { version: 3, published: true }))).toBe('not-found');
  });
});

// Issue 9, finding 6: a unit approver approved the report it wrote itself. Four-eyes (四眼原则) by default: whoever
// wrote a report (created it or saved a revision) does not approve it; a plan setting, changed by the plan office
// after confirm and audited, lets a unit's only approver approve its own reports (one-person units). Real sessions
// on both databases.
import { expect, it, onTestFinished } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import type { Role } from '../../src/services/context.ts';
import { buildUnit, buildWorkspace } from '../factories.ts';
import { buildTestApp } from '../helpers/app.ts';
import { buildUser, signIn, type TestSession } from '../helpers/auth.ts';
import { describeEachDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildReportPlan } from '../report-factories.ts';

const PERIOD = '2021-Q3';
const OWN_REPORT = /^不能审核自己填写的报告.*（you cannot approve a report you wrote/;

interface Report {
  id: string;
  version: number;
  state: string;
  approvedBy: string | null;
}

async function setUp(database: TestDatabase) {
  const { db } = database;
  const plan = await buildReportPlan(db, { requiresUnitApproval: true });
  const unitId = plan.leads[0] ?? '';
  // Many sign-ins from one address within a minute: not what these tests are about.
  const app = await buildTestApp({
    database,
    clock: () => new Date('2021-10-10T02:00:00.000Z'),
    env: { SIGN_IN_RATE_PER_MINUTE: '1000' },
  });
  onTestFinished(() => app.close());
  const person = async (roles: Role[], unit: string | null = unitId) => {
    const user = await buildUser(db, { workspaceId: plan.workspaceId, roles, unitId: unit });
    return { id: user.id, session: await signIn(app, user) };
  };

  const draft = async (who: TestSession, version?: number): Promise<Report> => {
    const response = await who.request({
      method: 'PUT',
      url: `/api/tasks/${plan.taskId}/reports/${PERIOD}`,
      payload: { narrative: '推进中', percentDone: 40, ...(version === undefined ? {} : { version }) },
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  const step = (who: TestSession, report: Pick<Report, 'id' | 'version'>, action: string) =>
    who.request({ method: 'POST', url: `/api/reports/${report.id}/${action}`, payload: { version: report.version } });
  const setSelfApproval = (who: TestSession, version: number, allowSelfApproval: boolean) =>
    who.request({
      method: 'PATCH',
      url: `/api/plans/${plan.planId}/settings`,
      payload: { version, allowSelfApproval },
    });
  return { db, app, plan, unitId, person, draft, step, setSelfApproval };
}

function expectRefusedAsOwnReport(response: { statusCode: number; json(): unknown }): void {
  expect(response.statusCode).toBe(403);
  const body = response.json() as { error: { code: string; message: string } };
  expect(body.error.code).toBe('forbidden');
  expect(body.error.message).toMatch(OWN_REPORT);
}

async function auditOf(db: Db, workspaceId: string, action: string) {
  return db
    .selectFrom('audit_events')
    .select(['actor_id', 'subject_id', 'detail', 'outcome'])
    .where('workspace_id', '=', workspaceId)
    .where('action', '=', action)
    .orderBy('seq')
    .execute();
}

describeEachDatabase('finding 6: four-eyes on unit approval', (database) => {
  it('an approver who wrote the report may not approve it; another approver of the unit may', async () => {
    const { plan, person, draft, step } = await setUp(database());
    const writer = await person(['unit-approver']);
    const colleague = await person(['unit-approver']);
    const report = await draft(writer.session);
    const pending = await step(writer.session, report, 'request-approval');
    expect(pending.statusCode).toBe(200);

    expectRefusedAsOwnReport(await step(writer.session, pending.json(), 'approve'));
    const approved = await step(colleague.session, pending.json(), 'approve');
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ state: 'approved', approvedBy: colleague.id });

    // The refusal is in the trail, as every 403 is.
    const denied = await auditOf(database().db, plan.workspaceId, 'access.denied');
    expect(denied.map((event) => [event.actor_id, event.subject_id])).toContainEqual([writer.id, report.id]);
  });

  it('an approver who revised a reporter’s draft wrote it too', async () => {
    const { person, draft, step } = await setUp(database());
    const reporter = await person(['unit-reporter']);
    const editor = await person(['unit-approver']);
    const other = await person(['unit-approver']);
    const first = await draft(reporter.session);
    const revised = await draft(editor.session, first.version);
    const pending = (await step(reporter.session, revised, 'request-approval')).json() as Report;
    expect(pending.state).toBe('pending-approval');

    expectRefusedAsOwnReport(await step(editor.session, pending, 'approve'));
    // A reporter's draft, untouched by the approver, is approved as before.
    expect((await step(other.session, pending, 'approve')).statusCode).toBe(200);
  });

  it('a one-person unit: refused by default; allowed once the office allows self-approval, audited', async () => {
    const { db, plan, person, draft, step, setSelfApproval } = await setUp(database());
    const only = await person(['unit-approver']);
    const office = await person(['office'], null);
    const pending = (await step(only.session, await draft(only.session), 'request-approval')).json() as Report;
    expectRefusedAsOwnReport(await step(only.session, pending, 'approve'));

    const changed = await setSelfApproval(office.session, 1, true);
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ id: plan.planId, allowSelfApproval: true, version: 2 });
    const approved = await step(only.session, pending, 'approve');
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ state: 'approved', approvedBy: only.id });

    const [event] = await auditOf(db, plan.workspaceId, 'plan.settings');
    expect(event).toMatchObject({ actor_id: office.id, subject_id: plan.planId, outcome: 'success' });
    expect(JSON.parse(event?.detail ?? '{}')).toEqual({ allowSelfApproval: { before: false, after: true } });

    // Turned off again, the rule is back: the revised report goes back to the approver, who may not approve it.
    expect((await setSelfApproval(office.session, 2, false)).json()).toMatchObject({ allowSelfApproval: false });
    const revised = await draft(only.session, approved.json().version);
    const again = (await step(only.session, revised, 'request-approval')).json() as Report;
    expectRefusedAsOwnReport(await step(only.session, again, 'approve'));
  });

  it('self-approval stays refused while the unit has another enabled approver, even when the plan allows it', async () => {
    const { db, plan, person, draft, step, setSelfApproval } = await setUp(database());
    const writer = await person(['unit-approver']);
    const colleague = await person(['unit-approver']);
    // Approvers of another unit, reporters and disabled approvers of this one do not count.
    await person(['unit-approver'], (await buildUnit(db, { workspaceId: plan.workspaceId })).id);
    await person(['unit-reporter']);
    const office = await person(['office'], null);
    expect((await setSelfApproval(office.session, 1, true)).statusCode).toBe(200);
    const pending = (await step(writer.session, await draft(writer.session), 'request-approval')).json() as Report;

    expectRefusedAsOwnReport(await step(writer.session, pending, 'approve'));
    await db.updateTable('users').set({ disabled: 1 }).where('id', '=', colleague.id).execute();
    const approved = await step(writer.session, pending, 'approve');
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ approvedBy: writer.id });
  });

  it('the setting is the plan office’s: others 403, another workspace’s plan 404, a stale version 409', async () => {
    const { db, app, plan, person, setSelfApproval } = await setUp(database());
    const office = await person(['office'], null);
    for (const [role, unit] of [
      ['unit-approver', undefined],
      ['leader', null],
      ['supervisor', null],
      ['system-admin', null],
    ] as const) {
      const refused = await setSelfApproval((await person([role], unit)).session, 1, true);
      expect(refused.statusCode, role).toBe(403);
    }
    expect((await setSelfApproval(office.session, 2, true)).statusCode).toBe(409);
    const stranger = await buildUser(db, { workspaceId: (await buildWorkspace(db)).id, roles: ['office'] });
    expect((await setSelfApproval(await signIn(app, stranger), 1, true)).statusCode).toBe(404);
    const unchanged = await db
      .selectFrom('plans')
      .select(['allow_self_approval', 'version'])
      .where('id', '=', plan.planId)
      .executeTakeFirstOrThrow();
    expect(unchanged).toEqual({ allow_self_approval: 0, version: 1 });
  });
});

// Supervision notices (督办单) on both databases: issue, respond, escalate 提醒 → 催办 → 督办 → 挂牌督办, close, list.
import { describe, expect, it } from 'vitest';
import {
  closeNotice,
  escalateNotice,
  getNotice,
  issueNotice,
  listNotices,
  respondToNotice,
  type Notice,
  type NoticeCursor,
} from '../../src/services/notice.service.ts';
import { buildOffice, testContext } from '../factories.ts';
import {
  auditEventsOf,
  buildDeliveryTask,
  failure,
  importExamplePlan,
  roleActor,
  unitActor,
  verifyAuditChain,
} from '../delivery-factories.ts';
import { describeEachDatabase } from '../helpers/db.ts';

describeEachDatabase('supervision notices', (database) => {
  const ctx = () => testContext(database().db);

  describe('the example plan', () => {
    it('escalates a notice to 区经委 from 提醒 to 挂牌督办, refuses to go further, and the unit responds', async () => {
      const plan = await importExamplePlan(ctx());
      const task11 = plan.task('（11）');
      const jingwei = plan.unitId('区经委');
      const supervisor = roleActor(plan.workspaceId, 'supervisor');
      const reporter = unitActor(plan.workspaceId, jingwei);

      const reminder = await issueNotice(ctx(), plan.office, {
        taskId: task11.id,
        unitId: jingwei,
        level: 'remind',
        dueOn: '2021-07-15',
        body: '请于7月15日前报送化工产业集群项目推进情况',
      });
      expect(reminder).toMatchObject({
        version: 1,
        taskId: task11.id,
        planId: plan.planId,
        taskNumber: '（11）',
        unit: { id: jingwei, name: '区经委' },
        level: 'remind',
        state: 'open',
        dueOn: '2021-07-15',
        response: null,
        escalatedFromId: null,
        issuedBy: plan.office.userId,
        allowedActions: ['escalate', 'respond', 'close'],
      });

      // The unit answers the reminder; the office finds the answer wanting and escalates.
      const answered = await respondToNotice(ctx(), reporter, reminder.id, 1, '已启动招商方案编制，7月底前完成');
      expect(answered).toMatchObject({ state: 'responded', version: 2, respondedBy: reporter.userId });
      expect(answered.response).toBe('已启动招商方案编制，7月底前完成');

      const urge = await escalateNotice(ctx(), plan.office, reminder.id, answered.version, { dueOn: '2021-07-31' });
      expect(urge).toMatchObject({ level: 'urge', state: 'open', dueOn: '2021-07-31', escalatedFromId: reminder.id });
      expect(urge.body).toBe(reminder.body);
      expect(await getNotice(ctx(), plan.office, reminder.id)).toMatchObject({
        state: 'escalated',
        allowedActions: [],
      });

      const supervise = await escalateNotice(ctx(), supervisor, urge.id, urge.version, {
        dueOn: '2021-08-15',
        body: '催办逾期未办结，转为督办',
      });
      expect(supervise).toMatchObject({ level: 'supervise', body: '催办逾期未办结，转为督办' });
      const flagged = await escalateNotice(ctx(), plan.office, supervise.id, supervise.version, {
        dueOn: '2021-08-31',
      });
      expect(flagged).toMatchObject({ level: 'flagged', state: 'open', allowedActions: ['respond', 'close'] });

      const top = await failure(
        escalateNotice(ctx(), plan.office, flagged.id, flagged.version, { dueOn: '2021-09-30' }),
      );
      expect(top).toMatchObject({ name: 'DomainError', code: 'top-level-reached' });
      expect(top.message).toContain('挂牌督办');
      // An escalated notice takes no more actions; the one in force does.
      const onOld = await failure(respondToNotice(ctx(), reporter, urge.id, 2, '迟到的回复'));
      expect(onOld).toMatchObject({ name: 'DomainError', code: 'invalid-transition' });

      const response = await respondToNotice(ctx(), reporter, flagged.id, flagged.version, '首批项目已签约，附进度表');
      expect(response).toMatchObject({ level: 'flagged', state: 'responded' });
      const closed = await closeNotice(ctx(), supervisor, flagged.id, response.version);
      expect(closed).toMatchObject({ state: 'closed', allowedActions: [] });
      expect((await failure(closeNotice(ctx(), supervisor, flagged.id, closed.version))).code).toBe(
        'invalid-transition',
      );

      // The chain of notices, soonest due first.
      const page = await listNotices(ctx(), plan.office, { taskId: task11.id });
      expect(page.items.map((n) => [n.level, n.state])).toEqual([
        ['remind', 'escalated'],
        ['urge', 'escalated'],
        ['supervise', 'escalated'],
        ['flagged', 'closed'],
      ]);
      expect(page.next).toBeNull();

      const events = await auditEventsOf(database().db, plan.workspaceId);
      expect(events.filter((e) => e.action.startsWith('notice.')).map((e) => e.action)).toEqual([
        'notice.issue',
        'notice.respond',
        'notice.escalate',
        'notice.escalate',
        'notice.escalate',
        'notice.respond',
        'notice.close',
      ]);
      const escalation = events.find((e) => e.action === 'notice.escalate');
      expect(JSON.parse(escalation?.detail ?? '{}')).toMatchObject({
        from: 'remind',
        to: 'urge',
        newNoticeId: urge.id,
      });
      expect(await verifyAuditChain(database().db, plan.workspaceId)).toEqual({ ok: true });
    });
  });

  describe('rules', () => {
    it('needs a unit of the task, a due date still to come, a body and a response text', async () => {
      const task = await buildDeliveryTask(database().db);
      const base = {
        taskId: task.taskId,
        unitId: task.supportUnitIds[0] ?? '',
        level: 'remind' as const,
        dueOn: '2021-07-10',
        body: '请加快推进',
      };
      // A support unit may be supervised too.
      const notice = await issueNotice(ctx(), task.office, base);
      expect(notice.unit.id).toBe(task.supportUnitIds[0]);

      expect(await failure(issueNotice(ctx(), task.office, { ...base, unitId: task.otherUnitId }))).toMatchObject({
        code: 'invalid-input',
        details: { field: 'unitId' },
      });
      // Due today is fine (until the end of the day in Shanghai); yesterday is not.
      expect((await issueNotice(ctx(), task.office, { ...base, dueOn: '2021-07-01' })).dueOn).toBe('2021-07-01');
      expect(await failure(issueNotice(ctx(), task.office, { ...base, dueOn: '2021-06-30' }))).toMatchObject({
        name: 'DomainError',
        code: 'invalid-date',
      });
      expect((await failure(issueNotice(ctx(), task.office, { ...base, body: ' ' }))).code).toBe('invalid-input');
      const badLevel = { ...base, level: 'shout' as unknown as 'remind' };
      expect((await failure(issueNotice(ctx(), task.office, badLevel))).code).toBe('invalid-input');
      const escalateLate = escalateNotice(ctx(), task.office, notice.id, 1, { dueOn: '2021-06-01' });
      expect((await failure(escalateLate)).code).toBe('invalid-date');

      const reporter = unitActor(task.workspaceId, task.supportUnitIds[0] ?? '');
      expect(await failure(respondToNotice(ctx(), reporter, notice.id, 1, '  '))).toMatchObject({
        code: 'response-required',
      });
      expect((await getNotice(ctx(), task.office, notice.id)).state).toBe('open');
    });

    it('refuses stale versions and changes nothing', async () => {
      const task = await buildDeliveryTask(database().db);
      const unitId = task.leadUnitIds[0] ?? '';
      const notice = await issueNotice(ctx(), task.office, {
        taskId: task.taskId,
        unitId,
        level: 'urge',
        dueOn: '2021-07-20',
        body: '催办',
      });
      const reporter = unitActor(task.workspaceId, unitId);
      await respondToNotice(ctx(), reporter, notice.id, 1, '已办理');
      expect((await failure(respondToNotice(ctx(), reporter, notice.id, 1, '再回复'))).code).toBe('invalid-transition');
      expect((await failure(escalateNotice(ctx(), task.office, notice.id, 1, { dueOn: '2021-08-01' }))).code).toBe(
        'stale',
      );
      expect((await failure(closeNotice(ctx(), task.office, notice.id, 1))).code).toBe('stale');
      const page = await listNotices(ctx(), task.office, { taskId: task.taskId });
      expect(page.items.map((n) => [n.level, n.state, n.version])).toEqual([['urge', 'responded', 2]]);
    });
  });

  describe('who may', () => {
    it('lets the office and supervisors issue, the addressed unit respond, and no one else', async () => {
      const task = await buildDeliveryTask(database().db);
      const unitId = task.leadUnitIds[0] ?? '';
      const input = { taskId: task.taskId, unitId, level: 'remind' as const, dueOn: '2021-07-20', body: '提醒' };
      for (const role of ['leader', 'unit-reporter'] as const) {
        const actor = role === 'leader' ? roleActor(task.workspaceId, role) : unitActor(task.workspaceId, unitId);
        expect((await failure(issueNotice(ctx(), actor, input))).code).toBe('forbidden');
      }
      const notice = await issueNotice(ctx(), roleActor(task.workspaceId, 'supervisor'), input);

      // A reporter of another unit — even a lead unit of the same task — may not answer, read or escalate it.
      const otherLead = unitActor(task.workspaceId, task.leadUnitIds[1] ?? '');
      const stranger = unitActor(task.workspaceId, task.otherUnitId);
      for (const actor of [otherLead, stranger]) {
        expect((await failure(respondToNotice(ctx(), actor, notice.id, 1, '代为回复'))).code).toBe('forbidden');
        expect((await failure(getNotice(ctx(), actor, notice.id))).code).toBe('forbidden');
      }
      const addressed = unitActor(task.workspaceId, unitId);
      expect((await failure(escalateNotice(ctx(), addressed, notice.id, 1, { dueOn: '2021-08-01' }))).code).toBe(
        'forbidden',
      );
      expect((await failure(closeNotice(ctx(), addressed, notice.id, 1))).code).toBe('forbidden');
      // The approver of the addressed unit answers for it.
      const approver = unitActor(task.workspaceId, unitId, 'unit-approver');
      expect((await respondToNotice(ctx(), approver, notice.id, 1, '已落实')).state).toBe('responded');

      // A unit lists its own notices only; asking for another unit's is forbidden.
      expect((await listNotices(ctx(), stranger)).items).toEqual([]);
      expect((await listNotices(ctx(), addressed)).items.map((n) => n.id)).toEqual([notice.id]);
      expect((await failure(listNotices(ctx(), stranger, { unitId }))).code).toBe('forbidden');
      expect((await failure(listNotices(ctx(), roleActor(task.workspaceId, 'public')))).code).toBe('forbidden');
      expect((await listNotices(ctx(), roleActor(task.workspaceId, 'leader'))).items).toHaveLength(1);
    });

    it('does not let another workspace see or touch a notice', async () => {
      const task = await buildDeliveryTask(database().db);
      const unitId = task.leadUnitIds[0] ?? '';
      const notice = await issueNotice(ctx(), task.office, {
        taskId: task.taskId,
        unitId,
        level: 'remind',
        dueOn: '2021-07-20',
        body: '提醒',
      });
      const { actor: office } = await buildOffice(database().db);
      const calls = [
        () =>
          issueNotice(ctx(), office, { taskId: task.taskId, unitId, level: 'remind', dueOn: '2021-07-20', body: 'x' }),
        () => respondToNotice(ctx(), { ...office, roles: ['unit-reporter'], unitId }, notice.id, 1, '回复'),
        () => escalateNotice(ctx(), office, notice.id, 1, { dueOn: '2021-08-01' }),
        () => closeNotice(ctx(), office, notice.id, 1),
        () => getNotice(ctx(), office, notice.id),
        () => listNotices(ctx(), office, { taskId: task.taskId }),
        () => listNotices(ctx(), office, { planId: task.planId }),
        () => listNotices(ctx(), office, { unitId }),
      ];
      for (const call of calls) expect((await failure(call())).code).toBe('not-found');
      expect((await listNotices(ctx(), office)).items).toEqual([]);
    });
  });

  describe('lists', () => {
    it('filters by plan, unit, state, level and due date, and pages by cursor', async () => {
      const task = await buildDeliveryTask(database().db);
      const [a, b] = task.leadUnitIds as [string, string];
      const issue = (unitId: string, level: 'remind' | 'urge' | 'supervise', dueOn: string) =>
        issueNotice(ctx(), task.office, { taskId: task.taskId, unitId, level, dueOn, body: `${level} ${dueOn}` });
      const made: Notice[] = [];
      for (const [unitId, level, dueOn] of [
        [a, 'remind', '2021-07-05'],
        [b, 'urge', '2021-07-05'],
        [a, 'supervise', '2021-07-20'],
        [b, 'remind', '2021-08-01'],
        [a, 'remind', '2021-09-01'],
      ] as const) {
        made.push(await issue(unitId, level, dueOn));
      }
      await respondToNotice(ctx(), unitActor(task.workspaceId, a), made[0]?.id ?? '', 1, '已办');

      const dueOrder = (await listNotices(ctx(), task.office)).items.map((n) => n.dueOn);
      expect(dueOrder).toEqual(['2021-07-05', '2021-07-05', '2021-07-20', '2021-08-01', '2021-09-01']);
      expect((await listNotices(ctx(), task.office, { unitId: b })).items.map((n) => n.level)).toEqual([
        'urge',
        'remind',
      ]);
      expect((await listNotices(ctx(), task.office, { level: 'remind' })).items).toHaveLength(3);
      expect((await listNotices(ctx(), task.office, { level: ['urge', 'supervise'] })).items).toHaveLength(2);
      expect((await listNotices(ctx(), task.office, { state: 'responded' })).items.map((n) => n.id)).toEqual([
        made[0]?.id,
      ]);
      expect((await listNotices(ctx(), task.office, { state: 'open', dueBefore: '2021-08-01' })).items).toHaveLength(2);
      expect((await listNotices(ctx(), task.office, { planId: task.planId })).items).toHaveLength(5);

      const seen: string[] = [];
      let after: NoticeCursor | null = null;
      let pages = 0;
      do {
        const page = await listNotices(ctx(), task.office, { limit: 2, after });
        seen.push(...page.items.map((n) => n.id));
        after = page.next;
        pages++;
      } while (after !== null);
      expect(pages).toBe(3);
      expect(seen).toEqual((await listNotices(ctx(), task.office)).items.map((n) => n.id));
      expect((await failure(listNotices(ctx(), task.office, { limit: 0 }))).code).toBe('invalid-input');
      expect((await failure(listNotices(ctx(), task.office, { state: 'lost' as 'open' }))).code).toBe('invalid-input');
    });
  });
});

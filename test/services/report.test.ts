// Progress reports on both databases: task （11） of the example plan through a whole reporting cycle, idempotent
// and version-checked submission, who may do what, 单位审核, the consolidated view and the list.
import { describe, expect, it } from 'vitest';
import {
  acceptReport,
  approveReport,
  getReport,
  listReportingPeriods,
  listReports,
  reportingPeriods,
  requestReportApproval,
  returnReport,
  saveReportContribution,
  saveReportDraft,
  sendBackReport,
  submitReport,
  taskReportSummary,
} from '../../src/services/report.service.ts';
import type { Actor } from '../../src/services/context.ts';
import { listPlanTargets } from '../../src/services/plan.service.ts';
import { listReadings } from '../../src/services/report-targets.service.ts';
import { buildActor, buildUnit } from '../factories.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import {
  at,
  auditEvents,
  buildReportPlan,
  countRows,
  failure,
  importExamplePlan,
  unitActor,
  verifyAudit,
} from '../report-factories.ts';

const Q3_DUE = '2021-10-15T16:00:00.000Z'; // the end of 15 October 2021 in Shanghai
const Q4_DUE = '2022-01-15T16:00:00.000Z';

describe('reporting periods', () => {
  const plan = {
    startYear: 2021,
    endYear: 2025,
    issuedOn: '2021-06-02',
    cycle: { frequency: 'quarterly' as const, dueDays: 15 },
    createdAt: '2021-06-10T02:00:00.000Z',
  };

  it('run from the period the plan was issued in to now, each with its due instant', () => {
    const periods = reportingPeriods(plan, new Date('2021-10-10T00:00:00Z'), 'Asia/Shanghai');
    expect(periods.map((p) => [p.period, p.dueAt, p.hasEnded, p.isPastDue])).toEqual([
      ['2021-Q2', '2021-07-15T16:00:00.000Z', true, true],
      ['2021-Q3', Q3_DUE, true, false],
      ['2021-Q4', Q4_DUE, false, false],
    ]);
    expect(periods[1]).toMatchObject({
      label: '2021年第三季度',
      startsAt: '2021-06-30T16:00:00.000Z',
      endsAt: '2021-09-30T16:00:00.000Z',
    });
  });

  it('start with the start year when the plan was issued before it, stop at its end year, and are empty before', () => {
    const early = { ...plan, issuedOn: '2020-12-20', cycle: { frequency: 'half-yearly' as const, dueDays: 0 } };
    expect(reportingPeriods(early, new Date('2021-08-01T00:00:00Z'), 'Asia/Shanghai').map((p) => p.period)).toEqual([
      '2021-H1',
      '2021-H2',
    ]);
    const later = reportingPeriods(early, new Date('2030-01-01T00:00:00Z'), 'Asia/Shanghai');
    expect([later.length, later.at(-1)?.period]).toEqual([10, '2025-H2']);
    expect(reportingPeriods(plan, new Date('2021-03-01T00:00:00Z'), 'Asia/Shanghai')).toEqual([]);
  });

  it('follow the workspace’s time zone', () => {
    const utc = reportingPeriods(plan, new Date('2021-09-30T17:00:00Z'), 'UTC');
    const shanghai = reportingPeriods(plan, new Date('2021-09-30T17:00:00Z'), 'Asia/Shanghai');
    expect(utc.at(-1)?.period).toBe('2021-Q3');
    expect(shanghai.at(-1)?.period).toBe('2021-Q4');
    expect(utc[1]?.dueAt).toBe('2021-10-16T00:00:00.000Z');
  });
});

describeEachDatabase('reports', (database) => {
  const db = () => database().db;

  describe('task （11） of the example plan', () => {
    it('goes through two quarters: on time and accepted; late, returned, revised, resubmitted and accepted', async () => {
      const example = await importExamplePlan(db());
      const { office, reporter, task, target, workspaceId } = example;
      const before = (await auditEvents(db(), workspaceId)).length;

      const periods = await listReportingPeriods(at(db(), '2021-10-08T02:00:00.000Z'), reporter, example.planId);
      expect(periods.map((p) => p.period)).toEqual(['2021-Q2', '2021-Q3', '2021-Q4']);
      expect(periods.find((p) => p.period === '2021-Q3')?.dueAt).toBe(Q3_DUE);

      // 2021-Q3: 区经委 drafts with a reading for the 千亿级 target, corrects it, submits on time.
      const drafted = await saveReportDraft(at(db(), '2021-10-08T02:00:00.000Z'), reporter, {
        taskId: task.id,
        period: '2021-Q3',
        narrative: '化工区产业转型升级有序推进',
        percentDone: 20,
        confidence: 'amber-green',
        problems: '部分项目环评进度偏慢',
        nextSteps: '推进重点项目开工',
        readings: [{ targetId: target.id, value: 610, source: '区统计局' }],
      });
      expect(drafted).toMatchObject({
        version: 1,
        planId: example.planId,
        taskId: task.id,
        unitId: reporter.unitId,
        period: '2021-Q3',
        state: 'draft',
        percentDone: 20,
        confidence: 'amber-green',
        submittedAt: null,
        isLate: false,
        createdBy: reporter.userId,
        readings: [{ targetId: target.id, period: '2021-Q3', value: 610, source: '区统计局' }],
      });
      // A draft's readings are its own until it is submitted.
      expect(await listReadings(at(db(), '2021-10-08T02:00:00.000Z'), office, target.id)).toEqual([]);

      const corrected = await saveReportDraft(at(db(), '2021-10-09T02:00:00.000Z'), reporter, {
        taskId: task.id,
        period: '2021-Q3',
        expectedVersion: 1,
        narrative: '化工区产业转型升级有序推进，产值稳步增长',
        percentDone: 25,
        confidence: 'green',
        readings: [{ targetId: target.id, value: 620, source: '区统计局' }],
      });
      expect(corrected).toMatchObject({ id: drafted.id, version: 2, percentDone: 25, problems: '' });
      expect(corrected.readings).toEqual([{ ...drafted.readings[0], value: 620 }]);

      const submitted = await submitReport(at(db(), '2021-10-12T02:00:00.000Z'), reporter, drafted.id, 2, {
        idempotencyKey: 'q3-submit-0001',
      });
      expect(submitted).toMatchObject({
        version: 3,
        state: 'submitted',
        submittedAt: '2021-10-12T02:00:00.000Z',
        isLate: false,
      });
      expect(await listReadings(at(db(), '2021-10-12T02:00:00.000Z'), office, target.id)).toMatchObject([
        { targetId: target.id, period: '2021-Q3', value: 620, reportId: drafted.id, unitId: reporter.unitId },
      ]);

      const accepted = await acceptReport(at(db(), '2021-10-20T02:00:00.000Z'), office, drafted.id, 3);
      expect(accepted).toMatchObject({
        version: 4,
        state: 'accepted',
        decidedAt: '2021-10-20T02:00:00.000Z',
        decidedBy: office.userId,
      });

      // 2021-Q4: submitted five days after the due date — late; returned; revised; resubmitted; accepted.
      const q4 = await saveReportDraft(at(db(), '2022-01-18T02:00:00.000Z'), reporter, {
        taskId: task.id,
        period: '2021-Q4',
        narrative: '四季度推进情况',
        percentDone: 40,
        confidence: 'amber',
        readings: [{ targetId: target.id, value: 650, source: 'report' }],
      });
      const late = await submitReport(at(db(), '2022-01-20T02:00:00.000Z'), reporter, q4.id, 1, {
        idempotencyKey: 'q4-submit-0001',
      });
      expect(late).toMatchObject({ state: 'submitted', isLate: true, submittedAt: '2022-01-20T02:00:00.000Z' });
      expect(new Date(late.submittedAt ?? '').getTime()).toBeGreaterThan(new Date(Q4_DUE).getTime());

      const blank = await failure(
        returnReport(at(db(), '2022-01-21T02:00:00.000Z'), office, q4.id, 2, { reason: ' ' }),
      );
      expect(blank.code).toBe('reason-required');
      const returned = await returnReport(at(db(), '2022-01-21T02:00:00.000Z'), office, q4.id, 2, {
        reason: '请补充重点项目投资完成情况',
      });
      expect(returned).toMatchObject({ version: 3, state: 'returned', returnReason: '请补充重点项目投资完成情况' });
      // A returned report's readings no longer count.
      expect(
        (await listReadings(at(db(), '2022-01-21T02:00:00.000Z'), office, target.id)).map((r) => r.period),
      ).toEqual(['2021-Q3']);

      const revised = await saveReportDraft(at(db(), '2022-01-24T02:00:00.000Z'), reporter, {
        taskId: task.id,
        period: '2021-Q4',
        expectedVersion: 3,
        narrative: '四季度推进情况；重点项目完成投资12亿元',
        percentDone: 40,
        confidence: 'amber',
        readings: [{ targetId: target.id, value: 655, source: 'report' }],
      });
      expect(revised).toMatchObject({ version: 4, state: 'draft', returnReason: '请补充重点项目投资完成情况' });
      const resubmitted = await submitReport(at(db(), '2022-01-25T02:00:00.000Z'), reporter, q4.id, 4, {
        idempotencyKey: 'q4-submit-0002',
      });
      // Lateness is judged on the first submission, which stays the report's submission time.
      expect(resubmitted).toMatchObject({
        version: 5,
        state: 'submitted',
        isLate: true,
        submittedAt: '2022-01-20T02:00:00.000Z',
        returnReason: null,
        decidedAt: null,
      });
      const final = await acceptReport(at(db(), '2022-01-26T02:00:00.000Z'), office, q4.id, 5);
      expect(final).toMatchObject({ version: 6, state: 'accepted', isLate: true });
      expect(await getReport(at(db(), '2022-01-26T02:00:00.000Z'), office, q4.id)).toEqual(final);
      expect(
        (await listReadings(at(db(), '2022-01-26T02:00:00.000Z'), office, target.id)).map((r) => [r.period, r.value]),
      ).toEqual([
        ['2021-Q3', 620],
        ['2021-Q4', 655],
      ]);

      const listed = await listReports(at(db(), '2022-01-26T02:00:00.000Z'), office, { planId: example.planId });
      expect(listed.items.map((r) => [r.period, r.state, r.isLate])).toEqual([
        ['2021-Q4', 'accepted', true],
        ['2021-Q3', 'accepted', false],
      ]);

      const events = (await auditEvents(db(), workspaceId)).slice(before);
      expect(events.map((e) => e.action)).toEqual([
        'report.create',
        'report.update',
        'report.submit',
        'report.accept',
        'report.create',
        'report.submit',
        'report.return',
        'report.update',
        'report.submit',
        'report.accept',
      ]);
      expect(events.every((e) => e.subject_type === 'report' && e.outcome === 'success')).toBe(true);
      expect(events[2]).toMatchObject({ subject_id: drafted.id, actor_id: reporter.userId });
      expect(JSON.parse(events[2]?.detail ?? '{}')).toMatchObject({ isLate: false, dueAt: Q3_DUE, version: 3 });
      expect(JSON.parse(events[5]?.detail ?? '{}')).toMatchObject({ isLate: true, dueAt: Q4_DUE });
      expect(JSON.parse(events[6]?.detail ?? '{}')).toMatchObject({ reason: '请补充重点项目投资完成情况' });
      expect(JSON.parse(events[7]?.detail ?? '{}')).toMatchObject({ revisedFrom: 'returned' });
      expect(await verifyAudit(db(), workspaceId)).toEqual({ ok: true });
    });

    it('takes a retried submit with the same idempotency key as the first: same report, nothing written', async () => {
      const { reporter, task, target, workspaceId } = await importExamplePlan(db());
      const ctx = at(db(), '2021-10-12T02:00:00.000Z');
      const draft = await saveReportDraft(ctx, reporter, {
        taskId: task.id,
        period: '2021-Q3',
        narrative: '推进中',
        readings: [{ targetId: target.id, value: 620 }],
      });
      const first = await submitReport(ctx, reporter, draft.id, 1, { idempotencyKey: 'retry-key-0001' });
      const counts = async () =>
        Promise.all(
          (['reports', 'readings', 'audit_events'] as const).map((table) => countRows(db(), table, workspaceId)),
        );
      const written = await counts();

      const later = at(db(), '2021-10-13T02:00:00.000Z');
      expect(await submitReport(later, reporter, draft.id, 1, { idempotencyKey: 'retry-key-0001' })).toEqual(first);
      // Two retries racing each other get the same answer too.
      const raced = await Promise.all([
        submitReport(later, reporter, draft.id, 1, { idempotencyKey: 'retry-key-0001' }),
        submitReport(later, reporter, draft.id, 1, { idempotencyKey: 'retry-key-0001' }),
      ]);
      expect(raced).toEqual([first, first]);
      expect(await counts()).toEqual(written);
      expect((await auditEvents(db(), workspaceId)).filter((e) => e.action === 'report.submit')).toHaveLength(1);

      // The key belongs to this report: another report cannot reuse it.
      const other = await saveReportDraft(ctx, reporter, { taskId: task.id, period: '2021-Q2', narrative: '二季度' });
      const reused = await failure(submitReport(ctx, reporter, other.id, 1, { idempotencyKey: 'retry-key-0001' }));
      expect(reused.code).toBe('conflict');
      expect((await getReport(ctx, reporter, other.id)).state).toBe('draft');
    });

    it('makes two first submissions racing with one key into one', async () => {
      const { reporter, task, workspaceId } = await importExamplePlan(db());
      const ctx = at(db(), '2021-10-12T02:00:00.000Z');
      const draft = await saveReportDraft(ctx, reporter, { taskId: task.id, period: '2021-Q3', narrative: '推进中' });
      const [a, b] = await Promise.all([
        submitReport(ctx, reporter, draft.id, 1, { idempotencyKey: 'race-key-0001' }),
        submitReport(ctx, reporter, draft.id, 1, { idempotencyKey: 'race-key-0001' }),
      ]);
      expect(a).toEqual(b);
      expect(a).toMatchObject({ state: 'submitted', version: 2 });
      expect((await auditEvents(db(), workspaceId)).filter((e) => e.action === 'report.submit')).toHaveLength(1);
    });

    it('refuses a stale version and writes nothing', async () => {
      const { reporter, office, task, target, workspaceId } = await importExamplePlan(db());
      const ctx = at(db(), '2021-10-12T02:00:00.000Z');
      const input = { taskId: task.id, period: '2021-Q3', narrative: '第一稿' };
      const draft = await saveReportDraft(ctx, reporter, input);
      await saveReportDraft(ctx, reporter, { ...input, expectedVersion: 1, narrative: '第二稿' });
      const audit = await countRows(db(), 'audit_events', workspaceId);

      const attempts = [
        () =>
          saveReportDraft(ctx, reporter, {
            ...input,
            expectedVersion: 1,
            narrative: '过时的稿',
            readings: [{ targetId: target.id, value: 1 }],
          }),
        // Creating it again, as if it did not exist yet.
        () => saveReportDraft(ctx, reporter, { ...input, narrative: '另起一稿' }),
        () => submitReport(ctx, reporter, draft.id, 1, { idempotencyKey: 'stale-key-0001' }),
      ];
      for (const attempt of attempts) expect((await failure(attempt())).code).toBe('stale');
      const submitted = await submitReport(ctx, reporter, draft.id, 2, { idempotencyKey: 'stale-key-0002' });
      expect((await failure(acceptReport(ctx, office, draft.id, 2))).code).toBe('stale');

      expect(await getReport(ctx, office, draft.id)).toEqual(submitted);
      expect(submitted).toMatchObject({ narrative: '第二稿', readings: [], version: 3 });
      expect(await countRows(db(), 'readings', workspaceId)).toBe(0);
      expect(await countRows(db(), 'audit_events', workspaceId)).toBe(audit + 1);
    });

    it('lets each lead unit write only its own report; other units are forbidden, other workspaces find nothing', async () => {
      const example = await importExamplePlan(db());
      const { reporter, secondLead, office, task, workspaceId } = example;
      const ctx = at(db(), '2021-10-12T02:00:00.000Z');
      const report = await saveReportDraft(ctx, reporter, { taskId: task.id, period: '2021-Q3', narrative: '区经委' });

      // The second lead unit reports too — its own report — but cannot touch 区经委's.
      const own = await saveReportDraft(ctx, secondLead, { taskId: task.id, period: '2021-Q3', narrative: '投促办' });
      expect(own).toMatchObject({ unitId: secondLead.unitId, version: 1 });
      expect(
        (await failure(submitReport(ctx, secondLead, report.id, 1, { idempotencyKey: 'other-unit-01' }))).code,
      ).toBe('forbidden');

      // A unit not on the task: forbidden to write on it or read its reports.
      const stranger = await buildUnit(db(), { workspaceId, name: '区外单位' });
      const outsider = unitActor(workspaceId, stranger.id);
      expect(
        (await failure(saveReportDraft(ctx, outsider, { taskId: task.id, period: '2021-Q3', narrative: '越权' }))).code,
      ).toBe('forbidden');
      expect((await failure(getReport(ctx, outsider, report.id))).code).toBe('forbidden');
      expect((await failure(taskReportSummary(ctx, outsider, task.id, '2021-Q3'))).code).toBe('forbidden');
      expect((await listReports(ctx, outsider)).items).toEqual([]);

      // The office reviews but does not write units' reports; a reporter does not review.
      expect(
        (await failure(saveReportDraft(ctx, office, { taskId: task.id, period: '2021-Q3', narrative: '代填' }))).code,
      ).toBe('forbidden');
      const submitted = await submitReport(ctx, reporter, report.id, 1, { idempotencyKey: 'own-unit-0001' });
      expect((await failure(acceptReport(ctx, reporter, report.id, submitted.version))).code).toBe('forbidden');

      // Leaders and supervisors read; they write nothing.
      const leader = buildActor(workspaceId, { userId: 'usr_leader', roles: ['leader'] });
      expect((await getReport(ctx, leader, report.id)).id).toBe(report.id);
      expect((await listReports(ctx, leader, { taskId: task.id })).items).toHaveLength(2);
      expect((await failure(returnReport(ctx, leader, report.id, submitted.version, { reason: '退回' }))).code).toBe(
        'forbidden',
      );

      // Another workspace: as if nothing were there.
      const elsewhere = await importExamplePlan(db());
      for (const attempt of [
        () => getReport(ctx, elsewhere.office, report.id),
        () => acceptReport(ctx, elsewhere.office, report.id, submitted.version),
        () => submitReport(ctx, elsewhere.reporter, report.id, 1, { idempotencyKey: 'elsewhere-0001' }),
        () => saveReportDraft(ctx, elsewhere.reporter, { taskId: task.id, period: '2021-Q3', narrative: '跨区' }),
      ]) {
        expect((await failure(attempt())).code).toBe('not-found');
      }
      expect((await listReports(ctx, elsewhere.office)).items).toEqual([]);
      expect(await getReport(ctx, office, report.id)).toEqual(submitted);
    });

    it('with 单位审核 required, refuses a submit before the unit approves', async () => {
      const { reporter, approver, task, workspaceId } = await importExamplePlan(db(), { requiresUnitApproval: true });
      const ctx = at(db(), '2021-10-12T02:00:00.000Z');
      const input = { taskId: task.id, period: '2021-Q3', narrative: '待审核' };
      const draft = await saveReportDraft(ctx, reporter, input);

      const refused = await failure(submitReport(ctx, reporter, draft.id, 1, { idempotencyKey: 'approval-0001' }));
      expect(refused.code).toBe('approval-required');
      expect(await getReport(ctx, reporter, draft.id)).toEqual(draft);

      const pending = await requestReportApproval(ctx, reporter, draft.id, 1);
      expect(pending).toMatchObject({ state: 'pending-approval', version: 2 });
      expect((await failure(saveReportDraft(ctx, reporter, { ...input, expectedVersion: 2 }))).code).toBe(
        'invalid-transition',
      );
      expect((await failure(approveReport(ctx, reporter, draft.id, 2))).code).toBe('forbidden');

      const sentBack = await sendBackReport(ctx, approver, draft.id, 2, { reason: '请补充数据来源' });
      expect(sentBack).toMatchObject({ state: 'draft', returnReason: '请补充数据来源', version: 3 });
      await requestReportApproval(ctx, reporter, draft.id, 3);
      const approved = await approveReport(ctx, approver, draft.id, 4);
      expect(approved).toMatchObject({ state: 'approved', approvedBy: approver.userId, version: 5 });

      const submitted = await submitReport(ctx, reporter, draft.id, 5, { idempotencyKey: 'approval-0002' });
      expect(submitted).toMatchObject({ state: 'submitted', approvedBy: approver.userId, isLate: false });
      expect(
        (await auditEvents(db(), workspaceId)).filter((e) => e.action.startsWith('report.')).map((e) => e.action),
      ).toEqual([
        'report.create',
        'report.request-approval',
        'report.send-back',
        'report.request-approval',
        'report.approve',
        'report.submit',
      ]);
      expect(await verifyAudit(db(), workspaceId)).toEqual({ ok: true });
    });

    it('revises an approved draft that is edited: it needs approval again', async () => {
      const { reporter, approver, task } = await importExamplePlan(db(), { requiresUnitApproval: true });
      const ctx = at(db(), '2021-10-12T02:00:00.000Z');
      const input = { taskId: task.id, period: '2021-Q3', narrative: '初稿' };
      const draft = await saveReportDraft(ctx, reporter, input);
      await requestReportApproval(ctx, reporter, draft.id, 1);
      await approveReport(ctx, approver, draft.id, 2);
      const edited = await saveReportDraft(ctx, reporter, { ...input, expectedVersion: 3, narrative: '改稿' });
      expect(edited).toMatchObject({ state: 'draft', approvedAt: null, approvedBy: null });
      expect((await failure(submitReport(ctx, reporter, draft.id, 4, { idempotencyKey: 'approval-0003' }))).code).toBe(
        'approval-required',
      );
    });

    it('takes only periods of the plan up to now, and readings of the task’s own targets', async () => {
      const { reporter, task, planId, office } = await importExamplePlan(db());
      const ctx = at(db(), '2021-10-12T02:00:00.000Z');
      for (const period of ['2021-Q1', '2022-Q1', '2021-M09']) {
        const error = await failure(saveReportDraft(ctx, reporter, { taskId: task.id, period, narrative: '…' }));
        expect([period, error.code]).toEqual([period, 'invalid-input']);
      }
      expect((await failure(saveReportDraft(ctx, reporter, { taskId: task.id, period: '2021Q3' }))).code).toBe(
        'invalid-input',
      );
      const foreign = (await listPlanTargets(ctx, office, planId)).find((t) => t.taskId !== task.id);
      const error = await failure(
        saveReportDraft(ctx, reporter, {
          taskId: task.id,
          period: '2021-Q3',
          readings: [{ targetId: foreign?.id ?? '', value: 1 }],
        }),
      );
      expect(error).toMatchObject({ code: 'invalid-input', details: { field: 'readings.0.targetId' } });
    });
  });

  describe('the consolidated view of a task', () => {
    it('gives the primary lead’s report with the other leads’ reports and the support units’ contributions', async () => {
      const plan = await buildReportPlan(db(), { leads: 2, supports: 2 });
      const [primary, second] = plan.leadReporters as [Actor, Actor];
      const [support, quiet] = plan.supportReporters as [Actor, Actor];
      const ctx = at(db(), '2021-10-12T02:00:00.000Z');
      const base = { taskId: plan.taskId, period: '2021-Q3' };

      const main = await saveReportDraft(ctx, primary, {
        ...base,
        narrative: '牵头汇总',
        contributions: [{ unitId: support.unitId ?? '', text: '协同单位口头报送的情况' }],
      });
      expect(main.contributions).toMatchObject([{ unitId: support.unitId, text: '协同单位口头报送的情况' }]);
      // A support unit writes its own part into the primary lead's report; it does not write a report of its own.
      const contributed = await saveReportContribution(ctx, support, main.id, 1, { text: '协同单位：完成配套道路' });
      expect(contributed.version).toBe(2);
      expect(contributed.contributions).toMatchObject([{ unitId: support.unitId, text: '协同单位：完成配套道路' }]);
      expect((await failure(saveReportDraft(ctx, support, { ...base, narrative: '自报' }))).code).toBe('forbidden');
      expect((await failure(saveReportContribution(ctx, second, main.id, 2, { text: '我是牵头单位' }))).code).toBe(
        'forbidden',
      );
      // Contributions belong to the primary lead's report only.
      const misplaced = await failure(
        saveReportDraft(ctx, second, { ...base, contributions: [{ unitId: support.unitId ?? '', text: '…' }] }),
      );
      expect(misplaced.code).toBe('invalid-input');
      const other = await saveReportDraft(ctx, second, { ...base, narrative: '第二牵头单位' });

      const summary = await taskReportSummary(ctx, support, plan.taskId, '2021-Q3');
      expect(summary).toMatchObject({ taskId: plan.taskId, planId: plan.planId, period: '2021-Q3', dueAt: Q3_DUE });
      expect(summary.primary?.unit.id).toBe(primary.unitId);
      expect(summary.primary?.report?.id).toBe(main.id);
      expect(summary.otherLeads).toEqual([{ unit: expect.objectContaining({ id: second.unitId }), report: other }]);
      expect(summary.support.map((s) => [s.unit.id, s.contribution?.text ?? null])).toEqual([
        [support.unitId, '协同单位：完成配套道路'],
        [quiet.unitId, null],
      ]);
      expect(summary.formerUnits).toEqual([]);
      const empty = await taskReportSummary(ctx, plan.office, plan.taskId, '2021-Q4');
      expect([empty.primary?.report, empty.otherLeads[0]?.report]).toEqual([null, null]);
    });
  });

  describe('issue 9, tests that cannot pass silently: a support unit and a second lead', () => {
    it('a support unit writes its part into the primary lead’s report only, never into a second lead’s', async () => {
      const plan = await buildReportPlan(db(), { leads: 2, supports: 1 });
      const [primary, second] = plan.leadReporters as [Actor, Actor];
      const [support] = plan.supportReporters as [Actor];
      const ctx = at(db(), '2021-10-12T02:00:00.000Z');
      const base = { taskId: plan.taskId, period: '2021-Q3', narrative: '进展' };
      const main = await saveReportDraft(ctx, primary, base);
      const other = await saveReportDraft(ctx, second, base);

      const refused = await failure(
        saveReportContribution(ctx, support, other.id, other.version, { text: '写错报告' }),
      );
      expect(refused).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/^只有任务的协同单位/) });
      expect(await getReport(ctx, second, other.id)).toEqual(other);
      const contributed = await saveReportContribution(ctx, support, main.id, main.version, { text: '配合完成' });
      expect(contributed.contributions).toMatchObject([{ unitId: support.unitId, text: '配合完成' }]);
    });
  });

  describe('the report list', () => {
    it('pages newest first with a cursor, filters, and shows a unit only the tasks it is on', async () => {
      const plan = await buildReportPlan(db(), { leads: 2 });
      const otherTask = await buildReportPlan(db(), { workspaceId: plan.workspaceId });
      const [a, b] = plan.leadReporters as [Actor, Actor];
      const [c] = otherTask.leadReporters as [Actor];
      const ids: string[] = [];
      for (const [actor, taskId, period, day] of [
        [a, plan.taskId, '2021-Q2', '2021-10-01'],
        [a, plan.taskId, '2021-Q3', '2021-10-02'],
        [b, plan.taskId, '2021-Q3', '2021-10-03'],
        [c, otherTask.taskId, '2021-Q3', '2021-10-04'],
      ] as const) {
        const report = await saveReportDraft(at(db(), `${day}T02:00:00.000Z`), actor, { taskId, period });
        ids.push(report.id);
      }
      // Submitting moves a report by its submission time: a's 2021-Q2 report now sorts first.
      const ctx = at(db(), '2021-10-05T02:00:00.000Z');
      await submitReport(ctx, a, ids[0] ?? '', 1, { idempotencyKey: 'list-key-0001' });

      const seen: string[] = [];
      let cursor: Awaited<ReturnType<typeof listReports>>['nextCursor'] = null;
      do {
        const page = await listReports(ctx, plan.office, { limit: 2, cursor });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual([ids[0], ids[3], ids[2], ids[1]]);

      expect((await listReports(ctx, plan.office, { state: 'submitted' })).items.map((r) => r.id)).toEqual([ids[0]]);
      expect(
        (await listReports(ctx, plan.office, { state: 'draft', planId: plan.planId })).items.map((r) => r.id),
      ).toEqual([ids[2], ids[1]]);
      expect((await listReports(ctx, plan.office, { unitId: b.unitId ?? '' })).items.map((r) => r.id)).toEqual([
        ids[2],
      ]);
      expect((await listReports(ctx, plan.office, { period: '2021-Q2' })).items.map((r) => r.id)).toEqual([ids[0]]);
      // A unit sees the reports of the tasks it is on (its co-lead's too), not the rest of the workspace.
      expect((await listReports(ctx, b)).items.map((r) => r.id)).toEqual([ids[0], ids[2], ids[1]]);
      expect((await listReports(ctx, c)).items.map((r) => r.id)).toEqual([ids[3]]);
      expect((await failure(listReports(ctx, plan.office, { limit: 0 }))).code).toBe('invalid-input');
    });
  });
});

// THE authorization table (issue 4): every route × every role × an object of the actor's own unit, of another unit
// and of another workspace, with the answer expected — written by hand from the issue's table and the routes' own
// documentation, never derived from src/policies/ — walked against the real server (listening on a port, sessions
// signed in through the API, cookies and CSRF tokens as a browser sends them). A route missing from the table, or an
// entry with no route, fails the run.
//
// Reading the table:
// - `scope: 'unit'` rows take three answers: the object of the actor's own unit (A), of another unit of the same
//   workspace (B), of another workspace. `scope: 'workspace'` rows (objects no unit owns: a plan, a draft) take two:
//   own workspace, other workspace. `scope: 'none'` rows (no object: the actor's session, the workspace's lists) one.
// - Unit roles act for unit A; office, leader, supervisor, public and the three administrators belong to no unit.
// - `ok` is any 2xx; `empty` a 2xx list with no items (a list narrowed to what the actor may see); otherwise the
//   exact status. `rest` gives the answer of every role the row does not name.
// - Another workspace's objects answer 404 to whoever may act on such objects; a role refused by its role alone may
//   be refused before anything is looked up (403 for any id, so nothing about the object leaks).
// - Where the routes' documentation is finer than the issue's table, the table follows it: lead units break their
//   own tasks down into projects (project.policy), supervisors close notices and comment, a unit sees the reports
//   and notices of its own unit only, plan drafts are the office's alone.
// - Where the server answers otherwise than the issue asks, the table keeps the issue's answer (and the run fails)
//   rather than the server's.
//
// The walk: each (row, role) acts from one workspace and probes the other, alternating, so both workspaces act and
// are probed in one pass. Requests that move a state get fresh objects (authorization-world.ts), so no answer
// depends on the order of the table. Every answer must come from the row's own route (a header the test adds), so
// a mistyped URL's 404 never passes for a refusal. All mismatches are reported together, one line each.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.ts';
import { buildApp, type LuoshiApp } from '../../src/http/app.ts';
import { ROLES, type Role } from '../../src/services/context.ts';
import { pdfBytes } from '../attachment-files.ts';
import { testConfig } from '../helpers/app.ts';
import { TEST_PASSWORD } from '../helpers/auth.ts';
import { describeEachDatabase, type TestDatabase } from '../helpers/db.ts';
import {
  DUE_ON,
  PERIOD,
  TINY_PLAN,
  TINY_PLAN_NAME,
  WORLD_NOW,
  buildWorkspaceSide,
  type UnitSide,
  type WorkspaceSide,
} from './authorization-world.ts';

// ---- The table's vocabulary ----------------------------------------------------------------------------------

const ROLE_KEYS = {
  off: 'office',
  rep: 'unit-reporter',
  apr: 'unit-approver',
  lea: 'leader',
  sup: 'supervisor',
  pub: 'public',
  sys: 'system-admin',
  sec: 'security-admin',
  aud: 'audit-admin',
} as const satisfies Record<string, Role>;
type RoleKey = keyof typeof ROLE_KEYS;

/** Answers per role, a token per scope (`'ok 403 404'`); `rest` for the roles not named. */
type Expected = Partial<Record<RoleKey | 'rest', string>>;

type Scope = 'own' | 'other' | 'foreign' | 'none';
const SCOPES = { unit: ['own', 'other', 'foreign'], workspace: ['own', 'foreign'], none: ['none'] } as const;

interface Req {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  json?: unknown;
  /** A multipart form: text fields and one file in the field `file`. */
  form?: { fields: Record<string, string>; fileName: string; bytes: Uint8Array; type: string };
  headers?: Record<string, string>;
}

/** What a request builder gets: where the object lives and who asks. */
interface Ctx {
  scope: Scope;
  /** The workspace of the object (the actor's own, or the other one for `foreign`). */
  ws: WorkspaceSide;
  /** The object's unit (A for `own`, B for `other`, the other workspace's A for `foreign`), and the other one. */
  unit: UnitSide;
  peer: UnitSide;
  /** The actor's own workspace. */
  home: WorkspaceSide;
  /** Who asks; null without a session. */
  actor: { role: Role; userId: string } | null;
}

interface Row {
  /** `METHOD /path` exactly as Fastify registers it. */
  route: string;
  /** Which case of the route, when it has several rows. */
  case?: string;
  scope: keyof typeof SCOPES;
  request: (c: Ctx) => Req | Promise<Req>;
  expect: Expected;
  /** The answer without a session (default 401). */
  anon?: string;
  /** The request ends or changes its own session: each one gets a new user of the role, signed in for it. */
  freshSession?: true;
}

// Compact answer sets used by many rows.
const READERS = ['off', 'rep', 'apr', 'lea', 'sup'] as const;
const ADMINS = ['sys', 'sec', 'aud'] as const;
function each(keys: readonly RoleKey[], answer: string): Expected {
  return Object.fromEntries(keys.map((key) => [key, answer]));
}

const get = (url: string): Req => ({ method: 'GET', url });
const post = (url: string, json?: unknown): Req => ({ method: 'POST', url, ...(json === undefined ? {} : { json }) });
const put = (url: string, json: unknown): Req => ({ method: 'PUT', url, json });
const patch = (url: string, json: unknown): Req => ({ method: 'PATCH', url, json });

/** A PDF attached to a subject, as the web client uploads it. */
const upload = (subjectType: string, subjectId: string): Req => ({
  method: 'POST',
  url: '/api/attachments',
  form: { fields: { subjectType, subjectId }, fileName: '佐证材料.pdf', bytes: pdfBytes(), type: 'application/pdf' },
});

const planOf = (c: Ctx, published: boolean) => (published ? c.ws.publishedPlanId : c.ws.unpublishedPlanId);

const ADMIN_ROLES = ['system-admin', 'security-admin', 'audit-admin'] as const;

/**
 * The administrators' actions on each other's accounts (issue 9, finding 1): an account that holds an administrator
 * role, or would get one, is changed by no route, for anyone; the server command `luoshi admin` changes it. The
 * subject is a fresh administrator of the scope's workspace (for a grant, a fresh ordinary user of the scope's
 * unit). The one who may otherwise make such a change is refused with 403 in its own workspace and answered 404 for
 * another's account; the others are refused by their role before any lookup.
 */
function adminAccountRows(): Row[] {
  return ADMIN_ROLES.flatMap((role): Row[] => [
    {
      route: 'POST /api/users/:id/reset-password',
      case: `the account of an administrator (${role})`,
      scope: 'workspace',
      request: async (c) => {
        const admin = await c.ws.freshAdmin(role);
        return post(`/api/users/${admin.id}/reset-password`, { version: admin.version });
      },
      expect: { sys: '403 404', rest: '403 403' },
    },
    {
      route: 'PATCH /api/users/:id',
      case: `disabling an administrator (${role})`,
      scope: 'workspace',
      request: async (c) => {
        const admin = await c.ws.freshAdmin(role);
        return patch(`/api/users/${admin.id}`, { version: admin.version, disabled: true });
      },
      expect: { sys: '403 404', rest: '403 403' },
    },
    {
      route: 'PATCH /api/users/:id',
      case: `linking an administrator (${role}) to an OIDC subject`,
      scope: 'workspace',
      request: async (c) => {
        const admin = await c.ws.freshAdmin(role);
        return patch(`/api/users/${admin.id}`, { version: admin.version, oidcSubject: `sub-${newId('user')}` });
      },
      expect: { sys: '403 404', rest: '403 403' },
    },
    {
      route: 'PATCH /api/users/:id',
      case: `renaming an administrator (${role}) and moving it to a unit`,
      scope: 'workspace',
      request: async (c) => {
        const admin = await c.ws.freshAdmin(role);
        return patch(`/api/users/${admin.id}`, { version: admin.version, displayName: '改名', unitId: c.ws.a.id });
      },
      expect: { sys: '403 404', rest: '403 403' },
    },
    {
      route: 'PUT /api/users/:id/roles',
      case: `revoking an administrator's role (${role})`,
      scope: 'workspace',
      request: async (c) => {
        const admin = await c.ws.freshAdmin(role);
        return put(`/api/users/${admin.id}/roles`, { version: admin.version, roles: [] });
      },
      expect: { sec: '403 404', rest: '403 403' },
    },
    {
      route: 'PUT /api/users/:id/roles',
      case: `granting ${role} to an ordinary account`,
      scope: 'unit',
      request: async (c) => {
        const user = await c.ws.freshUser(c.unit.id);
        return put(`/api/users/${user.id}/roles`, { version: user.version, roles: [role] });
      },
      expect: { sec: '403 403 404', rest: '403 403 403' },
    },
    {
      route: 'POST /api/users',
      case: `creating an administrator (${role})`,
      scope: 'none',
      request: () =>
        post('/api/users', {
          username: `admin.${newId('user').slice(-10).toLowerCase()}`,
          displayName: '新管理员',
          roles: [role],
        }),
      expect: { rest: '403' },
    },
  ]);
}

/** The plan read routes, once for the published plan P and once for the unpublished plan Q. */
function planReadRows(route: string, url: (planId: string) => string): Row[] {
  return [
    {
      route,
      case: 'published plan',
      scope: 'workspace',
      request: (c) => get(url(planOf(c, true))),
      expect: { ...each([...READERS, 'pub'], 'ok 404'), ...each(ADMINS, '404 404') },
    },
    {
      route,
      case: 'unpublished plan',
      scope: 'workspace',
      request: (c) => get(url(planOf(c, false))),
      expect: { ...each(READERS, 'ok 404'), rest: '404 404' },
    },
  ];
}

// ---- THE TABLE -----------------------------------------------------------------------------------------------

const TABLE: Row[] = [
  // -- Identity and the session: everyone signed in; sign-in and health need no session.
  { route: 'GET /api/health', scope: 'none', request: () => get('/api/health'), expect: { rest: 'ok' }, anon: 'ok' },
  { route: 'GET /api/me', scope: 'none', request: () => get('/api/me'), expect: { rest: 'ok' } },
  {
    route: 'POST /api/auth/sign-in',
    scope: 'none',
    request: async (c) => {
      const user = await c.home.freshSignInUser(c.actor?.role ?? 'office', c.home.a.id);
      return post('/api/auth/sign-in', { username: user.username, password: user.password });
    },
    expect: { rest: 'ok' },
    anon: 'ok',
  },
  { route: 'GET /api/auth/session', scope: 'none', request: () => get('/api/auth/session'), expect: { rest: 'ok' } },
  // OIDC sign-in (configured here, with a provider that serves its discovery document): entry points for anyone.
  // The start redirects to the provider; a callback without the browser's state redirects to the sign-in page
  // with an error. Neither looks at a session.
  {
    route: 'GET /api/auth/oidc',
    scope: 'none',
    request: () => get('/api/auth/oidc'),
    expect: { rest: 'ok' },
    anon: 'ok',
  },
  {
    route: 'GET /api/auth/oidc/start',
    scope: 'none',
    request: () => get('/api/auth/oidc/start?returnTo=/'),
    expect: { rest: '302' },
    anon: '302',
  },
  {
    route: 'GET /api/auth/oidc/callback',
    scope: 'none',
    request: () => get('/api/auth/oidc/callback?code=abc&state=not-the-browsers'),
    expect: { rest: '302' },
    anon: '302',
  },
  {
    route: 'POST /api/auth/password',
    scope: 'none',
    freshSession: true,
    request: () => post('/api/auth/password', { current: TEST_PASSWORD, next: 'Another#2026-pass' }),
    expect: { rest: 'ok' },
  },
  {
    route: 'POST /api/auth/sign-out',
    scope: 'none',
    freshSession: true,
    request: () => post('/api/auth/sign-out'),
    expect: { rest: 'ok' },
  },
  {
    route: 'POST /api/auth/sign-out-everywhere',
    scope: 'none',
    freshSession: true,
    request: () => post('/api/auth/sign-out-everywhere'),
    expect: { rest: 'ok' },
  },

  // -- Accounts (三员): the system administrator keeps them, the security administrator grants roles and reads the
  //    policy. The subject is a user of unit A, of unit B, of the other workspace.
  {
    route: 'GET /api/users',
    scope: 'none',
    request: () => get('/api/users'),
    expect: { sys: 'ok', sec: 'ok', rest: '403' },
  },
  {
    route: 'GET /api/users/:id',
    scope: 'unit',
    request: (c) => get(`/api/users/${c.unit.userId}`),
    expect: { sys: 'ok ok 404', sec: 'ok ok 404', rest: '403 403 403' },
  },
  {
    route: 'GET /api/users/:id',
    case: "one's own account",
    scope: 'none',
    request: (c) => get(`/api/users/${c.actor?.userId ?? c.home.a.userId}`),
    expect: { rest: 'ok' },
  },
  {
    // The unit the new account belongs to; one of another workspace is not a unit here (invalid input).
    route: 'POST /api/users',
    scope: 'unit',
    request: (c) =>
      post('/api/users', {
        username: `user.${newId('user').slice(-10).toLowerCase()}`,
        displayName: '新用户',
        unitId: c.unit.id,
      }),
    expect: { sys: 'ok ok 422', rest: '403 403 403' },
  },
  {
    route: 'PATCH /api/users/:id',
    scope: 'unit',
    request: async (c) => {
      const user = await c.ws.freshUser(c.unit.id);
      return patch(`/api/users/${user.id}`, { version: user.version, displayName: '改名的用户' });
    },
    expect: { sys: 'ok ok 404', rest: '403 403 403' },
  },
  {
    // No administrator disables itself (三员: the account would be lost to the one who keeps it).
    route: 'PATCH /api/users/:id',
    case: 'disabling oneself',
    scope: 'none',
    request: (c) => patch(`/api/users/${c.actor?.userId ?? c.home.a.userId}`, { version: 1, disabled: true }),
    expect: { rest: '403' },
  },
  {
    route: 'POST /api/users/:id/reset-password',
    scope: 'unit',
    request: async (c) => {
      const user = await c.ws.freshUser(c.unit.id);
      return post(`/api/users/${user.id}/reset-password`, { version: user.version });
    },
    expect: { sys: 'ok ok 404', rest: '403 403 403' },
  },
  {
    route: 'PUT /api/users/:id/roles',
    scope: 'unit',
    request: async (c) => {
      const user = await c.ws.freshUser(c.unit.id);
      return put(`/api/users/${user.id}/roles`, { version: user.version, roles: ['unit-approver'] });
    },
    expect: { sec: 'ok ok 404', rest: '403 403 403' },
  },
  {
    // No one grants roles to itself.
    route: 'PUT /api/users/:id/roles',
    case: "one's own roles",
    scope: 'none',
    request: (c) => put(`/api/users/${c.actor?.userId ?? c.home.a.userId}/roles`, { version: 1, roles: ['office'] }),
    expect: { rest: '403' },
  },
  ...adminAccountRows(),
  {
    route: 'GET /api/security/policy',
    scope: 'none',
    request: () => get('/api/security/policy'),
    expect: { sec: 'ok', rest: '403' },
  },

  // -- The unit directory: read by everyone who works on plans and by the system administrator (names only), kept
  //    by the system administrator.
  {
    route: 'GET /api/units',
    scope: 'none',
    request: () => get('/api/units'),
    expect: { ...each(READERS, 'ok'), sys: 'ok', rest: '403' },
  },
  {
    route: 'POST /api/units',
    scope: 'none',
    request: () => post('/api/units', { name: `新单位${newId('unit').slice(-6)}`, kind: 'bureau' }),
    expect: { sys: 'ok', rest: '403' },
  },
  {
    // Renamed to its own name, at the version read just before: the shared unit stays as it was.
    route: 'PATCH /api/units/:id',
    scope: 'unit',
    request: async (c) =>
      patch(`/api/units/${c.unit.id}`, {
        version: await c.ws.versionOf('units', c.unit.id),
        name: c.unit.name,
        kind: 'bureau',
      }),
    expect: { sys: 'ok ok 404', rest: '403 403 403' },
  },

  // -- Plans: everyone who works on plans reads them; the public reads published plans only; the 三员 see no plan
  //    (a plan one may not see is 404, as if it did not exist).
  {
    route: 'GET /api/plans',
    scope: 'none',
    request: () => get('/api/plans'),
    expect: { ...each([...READERS, 'pub'], 'ok'), rest: '403' },
  },
  ...planReadRows('GET /api/plans/:id', (id) => `/api/plans/${id}`),
  ...planReadRows('GET /api/plans/:id/tasks', (id) => `/api/plans/${id}/tasks`),
  ...planReadRows('GET /api/plans/:id/targets', (id) => `/api/plans/${id}/targets`),
  ...planReadRows('GET /api/plans/:id/goals', (id) => `/api/plans/${id}/goals`),
  ...planReadRows('GET /api/plans/:id/periods', (id) => `/api/plans/${id}/periods`),
  {
    route: 'GET /api/tasks',
    case: 'published plan',
    scope: 'workspace',
    request: (c) => get(`/api/tasks?plan=${planOf(c, true)}`),
    expect: { ...each([...READERS, 'pub'], 'ok 404'), rest: '403 403' },
  },
  {
    route: 'GET /api/tasks',
    case: 'unpublished plan',
    scope: 'workspace',
    request: (c) => get(`/api/tasks?plan=${planOf(c, false)}`),
    expect: { ...each(READERS, 'ok 404'), pub: '404 404', rest: '403 403' },
  },
  {
    // The war board counts reports, notices and close-outs: the delivery record, which publishing does not show
    // (plan-publication.service: "reports, notices and the rest of the delivery record stay internal").
    route: 'GET /api/plans/:id/dashboard',
    case: 'published plan',
    scope: 'workspace',
    request: (c) => get(`/api/plans/${planOf(c, true)}/dashboard`),
    expect: { ...each(READERS, 'ok 404'), pub: '403 404', ...each(ADMINS, '404 404') },
  },
  {
    route: 'GET /api/plans/:id/dashboard',
    case: 'unpublished plan',
    scope: 'workspace',
    request: (c) => get(`/api/plans/${planOf(c, false)}/dashboard`),
    expect: { ...each(READERS, 'ok 404'), rest: '404 404' },
  },
  {
    route: 'POST /api/plans/:id/publish',
    scope: 'workspace',
    request: async (c) => {
      const plan = await c.ws.freshPlan(false);
      return post(`/api/plans/${plan.id}/publish`, { version: plan.version });
    },
    expect: { off: 'ok 404', rest: '403 404' },
  },
  {
    route: 'POST /api/plans/:id/unpublish',
    scope: 'workspace',
    request: async (c) => {
      const plan = await c.ws.freshPlan(true);
      return post(`/api/plans/${plan.id}/unpublish`, { version: plan.version });
    },
    expect: { off: 'ok 404', rest: '403 404' },
  },
  {
    // Self-approval in one-person units (issue 9, finding 6): the plan office's setting.
    route: 'PATCH /api/plans/:id/settings',
    scope: 'workspace',
    request: async (c) => {
      const plan = await c.ws.freshPlan(false);
      return patch(`/api/plans/${plan.id}/settings`, { version: plan.version, allowSelfApproval: true });
    },
    expect: { off: 'ok 404', rest: '403 404' },
  },
  {
    route: 'POST /api/plans/:id/refresh-status',
    scope: 'workspace',
    request: (c) => post(`/api/plans/${planOf(c, true)}/refresh-status`),
    expect: { off: 'ok 404', ...each(['rep', 'apr', 'lea', 'sup', 'pub'], '403 404'), ...each(ADMINS, '404 404') },
  },

  // -- Plan import (the office alone: refused by role before the draft is looked up).
  {
    route: 'GET /api/plan-drafts',
    scope: 'none',
    request: () => get('/api/plan-drafts'),
    expect: { off: 'ok', rest: '403' },
  },
  {
    route: 'POST /api/plan-drafts',
    case: 're-import of plan Q',
    scope: 'workspace',
    request: (c) => ({
      method: 'POST',
      url: '/api/plan-drafts',
      form: {
        fields: { planId: c.ws.unpublishedPlanId },
        fileName: TINY_PLAN_NAME,
        bytes: TINY_PLAN,
        type: 'text/markdown',
      },
    }),
    expect: { off: 'ok 404', rest: '403 403' },
  },
  {
    route: 'GET /api/plan-drafts/:id',
    scope: 'workspace',
    request: (c) => get(`/api/plan-drafts/${c.ws.draftId}`),
    expect: { off: 'ok 404', rest: '403 403' },
  },
  {
    route: 'PATCH /api/plan-drafts/:id',
    scope: 'workspace',
    request: async (c) => {
      const draft = await c.ws.freshDraft();
      return patch(`/api/plan-drafts/${draft.id}`, {
        version: draft.version,
        edits: [{ type: 'set-plan', requiresUnitApproval: true }],
      });
    },
    expect: { off: 'ok 404', rest: '403 403' },
  },
  {
    route: 'GET /api/plan-drafts/:id/diff',
    scope: 'workspace',
    request: (c) => get(`/api/plan-drafts/${c.ws.draftId}/diff`),
    expect: { off: 'ok 404', rest: '403 403' },
  },
  {
    route: 'POST /api/plan-drafts/:id/confirm',
    scope: 'workspace',
    request: async (c) => {
      const draft = await c.ws.freshDraft();
      return post(`/api/plan-drafts/${draft.id}/confirm`, { version: draft.version });
    },
    expect: { off: 'ok 404', rest: '403 403' },
  },

  // -- Reports: a unit writes its own unit's reports on the tasks it leads; its approver approves them; the office
  //    reviews; the office, leaders and supervisors read all; a unit reads those of its own tasks.
  {
    route: 'PUT /api/tasks/:taskId/reports/:period',
    scope: 'unit',
    request: async (c) => put(`/api/tasks/${await c.ws.freshTask(c.unit.id)}/reports/${PERIOD}`, { narrative: '进展' }),
    expect: { rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/reports/:id/request-approval',
    scope: 'unit',
    request: async (c) => {
      const report = await c.ws.freshReport(c.unit.id, 'draft', { approvalPlan: true });
      return post(`/api/reports/${report.id}/request-approval`, { version: report.version });
    },
    expect: { rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/reports/:id/approve',
    scope: 'unit',
    request: async (c) => {
      const report = await c.ws.freshReport(c.unit.id, 'awaiting-approval', { approvalPlan: true });
      return post(`/api/reports/${report.id}/approve`, { version: report.version });
    },
    expect: { apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/reports/:id/send-back',
    scope: 'unit',
    request: async (c) => {
      const report = await c.ws.freshReport(c.unit.id, 'awaiting-approval', { approvalPlan: true });
      return post(`/api/reports/${report.id}/send-back`, { version: report.version, reason: '请补充数据' });
    },
    expect: { apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/reports/:id/submit',
    scope: 'unit',
    request: async (c) => {
      const report = await c.ws.freshReport(c.unit.id, 'draft');
      return {
        ...post(`/api/reports/${report.id}/submit`, { version: report.version }),
        headers: { 'idempotency-key': `key-${newId('report')}` },
      };
    },
    expect: { rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/reports/:id/accept',
    scope: 'unit',
    request: async (c) => {
      const report = await c.ws.freshReport(c.unit.id, 'submitted');
      return post(`/api/reports/${report.id}/accept`, { version: report.version });
    },
    expect: { off: 'ok ok 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/reports/:id/return',
    scope: 'unit',
    request: async (c) => {
      const report = await c.ws.freshReport(c.unit.id, 'submitted');
      return post(`/api/reports/${report.id}/return`, { version: report.version, reason: '数据有误' });
    },
    expect: { off: 'ok ok 404', rest: '403 403 404' },
  },
  {
    route: 'GET /api/reports/:id',
    scope: 'unit',
    request: (c) => get(`/api/reports/${c.unit.reportId}`),
    expect: { ...each(['off', 'lea', 'sup'], 'ok ok 404'), rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    // Filtered by unit: a unit's list never shows another unit's reports, nor another workspace's.
    route: 'GET /api/reports',
    scope: 'unit',
    request: (c) => get(`/api/reports?unit=${c.unit.id}`),
    expect: {
      ...each(['off', 'lea', 'sup'], 'ok ok empty'),
      rep: 'ok empty empty',
      apr: 'ok empty empty',
      rest: '403 403 403',
    },
  },
  {
    route: 'GET /api/tasks/:taskId/reports/:period/summary',
    scope: 'unit',
    request: (c) => get(`/api/tasks/${c.unit.taskId}/reports/${PERIOD}/summary`),
    expect: { ...each(['off', 'lea', 'sup'], 'ok ok 404'), rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    // A support unit's part of the lead's report: `own` is the report of a task the peer unit leads and the
    // actor's unit supports; `other` the reverse (the actor's unit leads it and is no support unit).
    route: 'PUT /api/reports/:id/contribution',
    scope: 'unit',
    request: async (c) => {
      const report = await c.ws.freshReport(c.peer.id, 'draft', { support: c.unit.id });
      return put(`/api/reports/${report.id}/contribution`, { version: report.version, text: '已配合完成' });
    },
    expect: { rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },

  // -- Targets: progress and readings are read by everyone who works on plans; the office sets the path.
  {
    route: 'GET /api/targets/:id/progress',
    scope: 'unit',
    request: (c) => get(`/api/targets/${c.unit.targetId}/progress`),
    expect: { ...each(READERS, 'ok ok 404'), rest: '403 403 403' },
  },
  {
    route: 'GET /api/targets/:id/readings',
    scope: 'unit',
    request: (c) => get(`/api/targets/${c.unit.targetId}/readings`),
    expect: { ...each(READERS, 'ok ok 404'), rest: '403 403 403' },
  },
  {
    route: 'PUT /api/targets/:id/baseline',
    scope: 'unit',
    request: async (c) =>
      put(`/api/targets/${c.unit.targetId}/baseline`, {
        version: await c.ws.versionOf('targets', c.unit.targetId),
        value: 10,
        period: '2020',
      }),
    expect: { off: 'ok ok 404', rest: '403 403 403' },
  },
  {
    route: 'PUT /api/targets/:id/trajectory/:period',
    scope: 'unit',
    request: async (c) => put(`/api/targets/${await c.ws.freshTarget(c.unit)}/trajectory/2022-Q4`, { planned: 40 }),
    expect: { off: 'ok ok 404', rest: '403 403 403' },
  },

  // -- Projects and milestones: the office and the task's lead units; read by everyone who works on plans.
  {
    route: 'POST /api/tasks/:taskId/projects',
    scope: 'unit',
    request: (c) => post(`/api/tasks/${c.unit.taskId}/projects`, { name: '新项目', ownerUnitId: null }),
    expect: { off: 'ok ok 404', rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    // The actor's own unit's task, handed to the unit of the scope: a lead unit hands projects only to the task's
    // own units, and a unit of another workspace is no unit here.
    route: 'POST /api/tasks/:taskId/projects',
    case: 'owner unit named in the body',
    scope: 'unit',
    request: (c) => post(`/api/tasks/${c.home.a.taskId}/projects`, { name: '交办项目', ownerUnitId: c.unit.id }),
    expect: { off: 'ok ok 404', rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 403' },
  },
  {
    route: 'PATCH /api/projects/:id',
    scope: 'unit',
    request: async (c) =>
      patch(`/api/projects/${c.unit.projectId}`, {
        version: await c.ws.versionOf('projects', c.unit.projectId),
        description: '分两期建设',
      }),
    expect: { off: 'ok ok 404', rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'GET /api/projects',
    scope: 'unit',
    request: (c) => get(`/api/projects?task=${c.unit.taskId}`),
    expect: { ...each(READERS, 'ok ok 404'), rest: '403 403 404' },
  },
  {
    route: 'POST /api/projects/:id/milestones',
    scope: 'unit',
    request: (c) => post(`/api/projects/${c.unit.projectId}/milestones`, { name: '竣工', dueOn: DUE_ON }),
    expect: { off: 'ok ok 404', rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'GET /api/projects/:id/milestones',
    scope: 'unit',
    request: (c) => get(`/api/projects/${c.unit.projectId}/milestones`),
    expect: { ...each(READERS, 'ok ok 404'), rest: '403 403 404' },
  },
  {
    route: 'PATCH /api/milestones/:id',
    scope: 'unit',
    request: async (c) =>
      patch(`/api/milestones/${c.unit.milestoneId}`, {
        version: await c.ws.versionOf('milestones', c.unit.milestoneId),
        dueOn: DUE_ON,
      }),
    expect: { off: 'ok ok 404', rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/milestones/:id/remove',
    scope: 'unit',
    request: async (c) => {
      const milestone = await c.ws.freshMilestone(c.unit);
      return post(`/api/milestones/${milestone.id}/remove`, { version: milestone.version, reason: '与下一节点合并' });
    },
    expect: { off: 'ok ok 404', rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/milestones/:id/done',
    scope: 'unit',
    request: async (c) =>
      post(`/api/milestones/${c.unit.milestoneId}/done`, {
        version: await c.ws.versionOf('milestones', c.unit.milestoneId),
      }),
    expect: { off: 'ok ok 404', rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },

  // -- Notices (督办): issued, escalated and closed by the office and supervisors, answered by the unit addressed;
  //    a unit reads its own unit's notices only.
  {
    route: 'POST /api/notices',
    scope: 'unit',
    request: (c) =>
      post('/api/notices', {
        taskId: c.unit.taskId,
        unitId: c.unit.id,
        level: 'remind',
        dueOn: DUE_ON,
        body: '请按期报送',
      }),
    expect: { off: 'ok ok 404', sup: 'ok ok 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/notices/:id/respond',
    scope: 'unit',
    request: async (c) => {
      const notice = await c.ws.freshNotice(c.unit);
      return post(`/api/notices/${notice.id}/respond`, { version: notice.version, response: '已整改' });
    },
    expect: { rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/notices/:id/escalate',
    scope: 'unit',
    request: async (c) => {
      const notice = await c.ws.freshNotice(c.unit);
      return post(`/api/notices/${notice.id}/escalate`, { version: notice.version, dueOn: DUE_ON });
    },
    expect: { off: 'ok ok 404', sup: 'ok ok 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/notices/:id/close',
    scope: 'unit',
    request: async (c) => {
      const notice = await c.ws.freshNotice(c.unit);
      return post(`/api/notices/${notice.id}/close`, { version: notice.version });
    },
    expect: { off: 'ok ok 404', sup: 'ok ok 404', rest: '403 403 404' },
  },
  {
    route: 'GET /api/notices/:id',
    scope: 'unit',
    request: (c) => get(`/api/notices/${c.unit.noticeId}`),
    expect: { ...each(['off', 'lea', 'sup'], 'ok ok 404'), rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'GET /api/notices',
    scope: 'unit',
    request: (c) => get(`/api/notices?unit=${c.unit.id}`),
    expect: { ...each(['off', 'lea', 'sup'], 'ok ok 404'), rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },

  // -- Close-out (销号): the primary lead unit asks, the office decides and reopens; read by everyone on plans.
  {
    route: 'POST /api/tasks/:taskId/close-out',
    scope: 'unit',
    request: async (c) => post(`/api/tasks/${await c.ws.freshTask(c.unit.id)}/close-out`, { evidence: '已完成' }),
    expect: { rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    // A new task of the actor's own unit, with a file of the scope's workspace as evidence.
    route: 'POST /api/tasks/:taskId/close-out',
    case: 'evidence file named in the body',
    scope: 'workspace',
    request: async (c) =>
      post(`/api/tasks/${await c.home.freshTask(c.home.a.id)}/close-out`, { evidence: '见附件', fileId: c.ws.fileId }),
    expect: { rep: 'ok 404', apr: 'ok 404', rest: '403 403' },
  },
  {
    route: 'POST /api/close-outs/:id/approve',
    scope: 'unit',
    request: async (c) => {
      const closeOut = await c.ws.freshCloseOut(c.unit.id);
      return post(`/api/close-outs/${closeOut.id}/approve`, { version: closeOut.version });
    },
    expect: { off: 'ok ok 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/close-outs/:id/reject',
    scope: 'unit',
    request: async (c) => {
      const closeOut = await c.ws.freshCloseOut(c.unit.id);
      return post(`/api/close-outs/${closeOut.id}/reject`, { version: closeOut.version, reason: '证据不足' });
    },
    expect: { off: 'ok ok 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/tasks/:taskId/reopen',
    scope: 'unit',
    request: async (c) => {
      const task = await c.ws.freshClosedTask(c.unit.id);
      return post(`/api/tasks/${task.taskId}/reopen`, { version: task.version, reason: '发现新问题' });
    },
    expect: { off: 'ok ok 404', rest: '403 403 404' },
  },
  {
    route: 'GET /api/tasks/:taskId/close-out',
    scope: 'unit',
    request: (c) => get(`/api/tasks/${c.unit.taskId}/close-out`),
    expect: { ...each(READERS, 'ok ok 404'), rest: '403 403 404' },
  },

  // -- Comments: leaders, the office, supervisors and the task's own units.
  {
    route: 'POST /api/comments',
    case: 'on a task',
    scope: 'unit',
    request: (c) => post(`/api/comments?type=task&id=${c.unit.taskId}`, { body: '请抓紧' }),
    expect: { ...each(['off', 'lea', 'sup'], 'ok ok 404'), rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'GET /api/comments',
    case: 'on a task',
    scope: 'unit',
    request: (c) => get(`/api/comments?type=task&id=${c.unit.taskId}`),
    expect: { ...each(['off', 'lea', 'sup'], 'ok ok 404'), rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/comments',
    case: 'on a report',
    scope: 'unit',
    request: (c) => post(`/api/comments?type=report&id=${c.unit.reportId}`, { body: '数据请核实' }),
    expect: { ...each(['off', 'lea', 'sup'], 'ok ok 404'), rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/comments',
    case: 'on a notice',
    scope: 'unit',
    request: (c) => post(`/api/comments?type=notice&id=${c.unit.noticeId}`, { body: '已在办理' }),
    expect: { ...each(['off', 'lea', 'sup'], 'ok ok 404'), rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'GET /api/comments',
    case: 'on a report',
    scope: 'unit',
    request: (c) => get(`/api/comments?type=report&id=${c.unit.reportId}`),
    expect: { ...each(['off', 'lea', 'sup'], 'ok ok 404'), rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },

  // -- Attachments: seen by whoever may read the report; added by its unit while a draft, and by the office;
  //    removed by the office, or by the uploader while the uploader could still add it.
  {
    route: 'POST /api/attachments',
    case: 'on a draft report',
    scope: 'unit',
    request: (c) => upload('report', c.unit.draftReportId),
    expect: { off: 'ok ok 404', rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/attachments',
    case: 'on a reading of a draft report',
    scope: 'unit',
    request: (c) => upload('reading', c.unit.draftReadingId),
    expect: { off: 'ok ok 404', rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    // Added by the office and supervisors, and by the unit addressed while the notice awaits its response.
    route: 'POST /api/attachments',
    case: 'on a notice',
    scope: 'unit',
    request: (c) => upload('notice', c.unit.noticeId),
    expect: { off: 'ok ok 404', sup: 'ok ok 404', rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    // Added by the office, and by the requesting (primary lead) unit while the request awaits the decision.
    route: 'POST /api/attachments',
    case: 'on a close-out request',
    scope: 'unit',
    request: (c) => upload('close-out', c.unit.closeOutId),
    expect: { off: 'ok ok 404', rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'POST /api/attachments',
    case: 'on a task',
    scope: 'unit',
    request: (c) => upload('task', c.unit.taskId),
    expect: { off: 'ok ok 404', rest: '403 403 404' },
  },
  {
    route: 'GET /api/attachments',
    case: 'of a report',
    scope: 'unit',
    request: (c) => get(`/api/attachments?subjectType=report&subjectId=${c.unit.reportId}`),
    expect: { ...each(['off', 'lea', 'sup'], 'ok ok 404'), rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'GET /api/attachments',
    case: 'of a notice',
    scope: 'unit',
    request: (c) => get(`/api/attachments?subjectType=notice&subjectId=${c.unit.noticeId}`),
    expect: { ...each(['off', 'lea', 'sup'], 'ok ok 404'), rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'GET /api/attachments',
    case: 'of a close-out request',
    scope: 'unit',
    request: (c) => get(`/api/attachments?subjectType=close-out&subjectId=${c.unit.closeOutId}`),
    expect: { ...each(READERS, 'ok ok 404'), rest: '403 403 404' },
  },
  {
    route: 'GET /api/attachments/:id',
    scope: 'unit',
    request: (c) => get(`/api/attachments/${c.unit.attachmentId}`),
    expect: { ...each(['off', 'lea', 'sup'], 'ok ok 404'), rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    route: 'GET /api/attachments/:id/content',
    scope: 'unit',
    request: (c) => get(`/api/attachments/${c.unit.attachmentId}/content`),
    expect: { ...each(['off', 'lea', 'sup'], 'ok ok 404'), rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },
  {
    // A file the actor itself uploaded (as if it had), on the unit's draft report.
    route: 'DELETE /api/attachments/:id',
    scope: 'unit',
    request: async (c) => ({
      method: 'DELETE',
      url: `/api/attachments/${await c.ws.freshAttachment(c.unit, c.actor?.userId ?? null)}`,
    }),
    expect: { off: 'ok ok 404', rep: 'ok 403 404', apr: 'ok 403 404', rest: '403 403 404' },
  },

  // -- A task's derived status: the delivery record, for everyone who works on plans.
  {
    route: 'GET /api/tasks/:id/status',
    scope: 'unit',
    request: (c) => get(`/api/tasks/${c.unit.taskId}/status`),
    expect: { ...each(READERS, 'ok ok 404'), pub: '403 403 404', ...each(ADMINS, '404 404 404') },
  },

  // -- A task's page: the same readers as its status (sections within it follow their own rules).
  {
    route: 'GET /api/tasks/:id',
    scope: 'unit',
    request: (c) => get(`/api/tasks/${c.unit.taskId}`),
    expect: { ...each(READERS, 'ok ok 404'), pub: '403 403 404', ...each(ADMINS, '404 404 404') },
  },

  // -- The audit trail: the audit administrator alone.
  {
    route: 'GET /api/audit-events',
    scope: 'none',
    request: () => get('/api/audit-events'),
    expect: { aud: 'ok', rest: '403' },
  },
  {
    route: 'GET /api/audit-events/export',
    scope: 'none',
    request: () => get('/api/audit-events/export?format=jsonl'),
    expect: { aud: 'ok', rest: '403' },
  },
  {
    route: 'GET /api/audit/verify',
    scope: 'none',
    request: () => get('/api/audit/verify'),
    expect: { aud: 'ok', rest: '403' },
  },
  // The reserved `system` chain (sign-in attempts with names nobody has; issue 9): every audit administrator too.
  {
    route: 'GET /api/audit-events',
    case: 'system chain',
    scope: 'none',
    request: () => get('/api/audit-events?scope=system'),
    expect: { aud: 'ok', rest: '403' },
  },
  {
    route: 'GET /api/audit-events/export',
    case: 'system chain',
    scope: 'none',
    request: () => get('/api/audit-events/export?format=jsonl&scope=system'),
    expect: { aud: 'ok', rest: '403' },
  },
  {
    route: 'GET /api/audit/verify',
    case: 'system chain',
    scope: 'none',
    request: () => get('/api/audit/verify?scope=system'),
    expect: { aud: 'ok', rest: '403' },
  },
];

// ---- The server, the world and the sessions ------------------------------------------------------------------

interface Session {
  cookie: string;
  csrfToken: string;
  userId: string;
}

interface Answer {
  status: number;
  code: string | null;
  items: number | null;
  /** The route that answered (the test's own header), so that a 404 of a mistyped URL never passes for a refusal. */
  route: string | null;
}

/** The header through which the server tells this test which route answered. */
const ROUTE_HEADER = 'x-test-route';

/**
 * Routes the table does not cover: the static API documentation, and the web app's files and fallback
 * (src/http/web-static.ts: the same for everyone, no data).
 */
const UNLISTED = /^(\/api\/docs(\/|$)|\/\*$)/;

/** Whether a request is one of the route `METHOD /pattern` (`:param` segments). */
function matchesRoute(route: string, req: Req): boolean {
  const [method, pattern = ''] = route.split(' ');
  const path = req.url.split('?')[0] ?? '';
  const regex = new RegExp(`^${pattern.replace(/:[A-Za-z]+/g, '[^/]+')}$`);
  return method === req.method && regex.test(path);
}

async function send(base: string, session: Session | null, req: Req): Promise<Answer> {
  const headers: Record<string, string> = { ...req.headers };
  let body: string | FormData | undefined;
  if (req.method !== 'GET') headers.origin = base;
  if (session !== null) {
    headers.cookie = session.cookie;
    if (req.method !== 'GET') headers['x-csrf-token'] = session.csrfToken;
  }
  if (req.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.json);
  } else if (req.form !== undefined) {
    const form = new FormData();
    for (const [name, value] of Object.entries(req.form.fields)) form.append(name, value);
    form.append('file', new Blob([req.form.bytes], { type: req.form.type }), req.form.fileName);
    body = form;
  }
  // Redirects are answers of their own (the OIDC routes answer with them), not followed.
  const response = await fetch(`${base}${req.url}`, { method: req.method, headers, body, redirect: 'manual' });
  const text = await response.text();
  let code: string | null = null;
  let items: number | null = null;
  if ((response.headers.get('content-type') ?? '').includes('application/json') && text !== '') {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) {
      const error = (parsed as { error?: { code?: unknown } }).error;
      if (typeof error?.code === 'string') code = error.code;
      const list = (parsed as { items?: unknown }).items;
      if (Array.isArray(list)) items = list.length;
    }
  }
  return { status: response.status, code, items, route: response.headers.get(ROUTE_HEADER) };
}

function satisfies(token: string, answer: Answer): boolean {
  const ok = answer.status >= 200 && answer.status < 300;
  if (token === 'ok') return ok;
  if (token === 'empty') return ok && answer.items === 0;
  return String(answer.status) === token;
}

async function signInOver(base: string, username: string, password: string): Promise<Session> {
  const response = await fetch(`${base}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as { csrfToken?: string; user?: { id?: string } };
  const cookie = /^(luoshi_session=[^;]*)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
  if (response.status !== 200 || cookie === undefined || body.csrfToken === undefined || body.user?.id === undefined) {
    throw new Error(`sign-in of ${username} answered ${response.status}`);
  }
  return { cookie, csrfToken: body.csrfToken, userId: body.user.id };
}

/** The table's answer for a role, split into its tokens (one per scope). */
function expectedTokens(row: Row, key: RoleKey | 'anon'): string[] {
  const scopes = SCOPES[row.scope];
  const text = key === 'anon' ? (row.anon ?? '401') : (row.expect[key] ?? row.expect.rest);
  if (text === undefined) throw new Error(`${label(row)}: no answer for ${key}`);
  const tokens = text.trim().split(/\s+/);
  const bad = tokens.find((token) => !/^(ok|empty|[1-5]\d\d)$/.test(token));
  if (bad !== undefined) throw new Error(`${label(row)}: ${key} has an unknown answer "${bad}"`);
  // Without a session every scope gets the one answer.
  if (key === 'anon') return scopes.map(() => tokens[0] ?? '');
  if (tokens.length !== scopes.length) {
    throw new Error(`${label(row)}: ${key} has ${tokens.length} answers for ${scopes.length} scopes`);
  }
  return tokens;
}

function label(row: Row): string {
  return row.case === undefined ? row.route : `${row.route} [${row.case}]`;
}

/**
 * An OIDC provider that answers discovery only: enough for the sign-in routes to be on and to redirect to it.
 */
async function startDiscovery(): Promise<{ issuer: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.url !== '/.well-known/openid-configuration') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        code_challenge_methods_supported: ['S256'],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { issuer, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

// On both databases (issue 9: the table ran on SQLite only), each with its own server and world. The walk waits on
// the network and the database far more than it computes, so the two run side by side (`describe.concurrent`).
describe.concurrent('the authorization table (issue 4)', () => {
  describeEachDatabase('every route, role and scope', (testDatabase) => {
    let database: TestDatabase;
    let provider: Awaited<ReturnType<typeof startDiscovery>>;
    let app: LuoshiApp;
    let base: string;
    let sides: [WorkspaceSide, WorkspaceSide];
    /** A signed-in session per role, per workspace (the index of `sides`). */
    const sessions = new Map<string, Session>();
    const routes: string[] = [];

    beforeAll(async () => {
      database = testDatabase();
      sides = [await buildWorkspaceSide(database.db, '金山区'), await buildWorkspaceSide(database.db, '奉贤区')];
      provider = await startDiscovery();
      app = await buildApp({
        database,
        config: testConfig({
          // Sign-ins and uploads of the whole table come from one address within one (fixed) minute.
          SIGN_IN_RATE_PER_MINUTE: '1000',
          UPLOAD_RATE_PER_MINUTE: '1000',
          OIDC_ISSUER: provider.issuer,
          OIDC_CLIENT_ID: 'luoshi',
          OIDC_CLIENT_SECRET: 'secret',
          OIDC_REDIRECT_URI: 'http://127.0.0.1/api/auth/oidc/callback',
        }),
        clock: () => new Date(WORLD_NOW),
        onRoute: (route: RouteOptions) => {
          for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
        },
      });
      app.addHook('onSend', async (request, reply) => {
        reply.header(ROUTE_HEADER, `${request.method} ${request.routeOptions.url ?? '(no route)'}`);
      });
      base = await app.listen({ host: '127.0.0.1', port: 0 });
      for (const [index, side] of sides.entries()) {
        for (const role of ROLES) {
          const user = await side.freshSignInUser(role, side.a.id);
          sessions.set(`${index} ${role}`, await signInOver(base, user.username, user.password));
        }
      }
    });

    afterAll(async () => {
      await app?.close();
      await provider?.close();
    });

    it('lists every route of the server, and no route the server does not have', () => {
      const isHeadOfGet = (route: string) => route.startsWith('HEAD ') && routes.includes(`GET ${route.slice(5)}`);
      const served = new Set(
        routes.filter((route) => !UNLISTED.test(route.split(' ')[1] ?? '') && !isHeadOfGet(route)),
      );
      const listed = new Set(TABLE.map((row) => row.route));
      const problems = [
        ...[...served].filter((route) => !listed.has(route)).map((route) => `missing from the table: ${route}`),
        ...[...listed].filter((route) => !served.has(route)).map((route) => `in the table but not served: ${route}`),
      ];
      expect(problems).toEqual([]);
    });

    // About 2,700 requests per database: some 20 s of CPU each, far longer on a busy machine (its wall time is mostly
    // waiting, which is why the two databases walk side by side).
    it('answers every route, role and scope as the table says', { timeout: 600_000 }, async () => {
      const mismatches: string[] = [];

      // The actor's workspace alternates between the two from one (row, role) to the next, so both act and both are
      // probed from the other, in one pass.
      const attempt = async (row: Row, homeIndex: number, role: Role | null, scope: Scope, expected: string) => {
        const home = sides[homeIndex] as WorkspaceSide;
        const away = sides[1 - homeIndex] as WorkspaceSide;
        const who = role ?? 'no session';
        try {
          let session = role === null ? null : (sessions.get(`${homeIndex} ${role}`) ?? null);
          if (role !== null && row.freshSession === true) {
            const user = await home.freshSignInUser(role, home.a.id);
            session = await signInOver(base, user.username, user.password);
          }
          const ws = scope === 'foreign' ? away : home;
          const unit = scope === 'other' ? ws.b : ws.a;
          const actor = role === null || session === null ? null : { role, userId: session.userId };
          const req = await row.request({ scope, ws, unit, peer: unit === ws.a ? ws.b : ws.a, home, actor });
          if (!matchesRoute(row.route, req))
            throw new Error(`the request ${req.method} ${req.url} is not of the route`);
          const answer = await send(base, session, req);
          if (answer.route !== row.route) throw new Error(`answered by ${answer.route ?? 'no route'}`);
          if (!satisfies(expected, answer)) {
            const items = answer.items === null ? '' : ` (${answer.items} items)`;
            const got = `${answer.status} ${answer.code ?? ''}${items}`.replace(/\s+/g, ' ').trim();
            mismatches.push(`${label(row)} | ${who} | ${scope} | expected ${expected} | got ${got}`);
          }
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          mismatches.push(`${label(row)} | ${who} | ${scope} | expected ${expected} | failed: ${message}`);
        }
      };

      for (const [rowIndex, row] of TABLE.entries()) {
        const scopes = SCOPES[row.scope];
        for (const [roleIndex, [key, role]] of (Object.entries(ROLE_KEYS) as [RoleKey, Role][]).entries()) {
          const tokens = expectedTokens(row, key);
          for (const [index, scope] of scopes.entries()) {
            await attempt(row, (rowIndex + roleIndex) % 2, role, scope, tokens[index] ?? '');
          }
        }
        const [anon] = expectedTokens(row, 'anon');
        await attempt(row, rowIndex % 2, null, scopes[0], anon ?? '');
      }

      expect(mismatches).toEqual([]);
    });
  });
});

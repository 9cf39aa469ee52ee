/**
 * Every migration, listed here by hand: the Migrator gets them from this record, never by scanning a folder at
 * run time (which breaks under bundlers and tsx alike). Names sort in the order they run; add new ones at the end.
 */
import type { Migration } from 'kysely';
import * as initial from './0001-initial.ts';
import * as taskSearch from './0002-task-search.ts';
import * as removedInVersion from './0003-removed-in-version.ts';
import * as identity from './0004-identity.ts';
import * as jobs from './0005-jobs.ts';
import * as listIndexes from './0006-list-indexes.ts';
import * as attachmentRemoval from './0007-attachment-removal.ts';
import * as auditHeads from './0008-audit-heads.ts';
import * as oidcLogins from './0009-oidc-logins.ts';
import * as signInGuards from './0010-sign-in-guards.ts';
import * as auditHeadHmac from './0011-audit-head-hmac.ts';
import * as rateLimits from './0012-rate-limits.ts';
import * as fourEyes from './0013-four-eyes.ts';
import * as milestoneRemoval from './0014-milestone-removal.ts';
import * as reportingStart from './0015-reporting-start.ts';
import * as taskSourceText from './0015-task-source-text.ts';
import * as draftReview from './0016-draft-review.ts';

export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': initial,
  '0002-task-search': taskSearch,
  '0003-removed-in-version': removedInVersion,
  '0004-identity': identity,
  '0005-jobs': jobs,
  '0006-list-indexes': listIndexes,
  '0007-attachment-removal': attachmentRemoval,
  '0008-audit-heads': auditHeads,
  '0009-oidc-logins': oidcLogins,
  '0010-sign-in-guards': signInGuards,
  '0011-audit-head-hmac': auditHeadHmac,
  '0012-rate-limits': rateLimits,
  '0013-four-eyes': fourEyes,
  '0014-milestone-removal': milestoneRemoval,
  '0015-reporting-start': reportingStart,
  '0015-task-source-text': taskSourceText,
  '0016-draft-review': draftReview,
});

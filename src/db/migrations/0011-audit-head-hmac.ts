/**
 * The audit chain head's HMAC (issue 9, finding 4: a rewrite of the events with recomputed hashes and head passed
 * verification). `audit_heads.hmac` holds the HMAC-SHA256 of the head (`auditHeadHmac`, src/domain/audit-chain.ts)
 * under AUDIT_KEY, a key kept in the environment and never in the database: whoever can rewrite both tables cannot
 * recompute it. The audit writer sets it in the transaction of every event.
 *
 * Null until the head is first anchored: every head after this migration, and any head a process without the key
 * moved on. The first keyed head covers everything before it (see src/services/audit.ts).
 *
 * The 0008 guards stay as they are: the head still moves one seq at a time, with its HMAC beside it. Like every
 * released migration, this file does not change once released.
 */
import { transactional } from './support.ts';

export const up = transactional(async (db) => {
  await db.schema.alterTable('audit_heads').addColumn('hmac', 'text').execute();
});

export const down = transactional(async (db) => {
  await db.schema.alterTable('audit_heads').dropColumn('hmac').execute();
});

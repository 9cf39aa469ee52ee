/**
 * Row ids: a short prefix naming the table, then a ULID-like body — 48 bits of milliseconds and 80 random bits in
 * Crockford base32, 26 characters — so ids sort by creation time as plain text (keyset pagination, index locality)
 * and are made in code, the same way on SQLite and PostgreSQL. Within one millisecond the random part is
 * incremented, so ids made by one process are strictly increasing.
 *
 *   tsk_01JD3Q8V6Z3M9K2X7W4R5T8Y1N
 */
import { randomBytes } from 'node:crypto';

/** The prefix of each kind of row. */
export const ID_PREFIXES = Object.freeze({
  workspace: 'ws',
  unit: 'unt',
  unitAlias: 'ual',
  file: 'fil',
  planDraft: 'pdr',
  plan: 'pln',
  planVersion: 'pvr',
  node: 'nod',
  task: 'tsk',
  taskUnit: 'tun',
  target: 'tgt',
  trajectoryPoint: 'tjp',
  reading: 'rdg',
  project: 'prj',
  milestone: 'mst',
  report: 'rpt',
  reportContribution: 'rcb',
  notice: 'ntc',
  closeOut: 'clo',
  comment: 'cmt',
  attachment: 'att',
  auditEvent: 'aud',
  user: 'usr',
  statusQueue: 'stq',
  reportReminder: 'rrm',
  workspaceJob: 'wjb',
  passwordHistory: 'pwh',
});

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford: no I, L, O, U
const MAX_TIME = 2 ** 48 - 1;
const RANDOM_BITS = 80n;
const RANDOM_MAX = (1n << RANDOM_BITS) - 1n;

let lastTime = -1;
let lastRandom = 0n;

function encode(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET.charAt(Number(value & 31n)) + out;
    value >>= 5n;
  }
  return out;
}

function randomPart(): bigint {
  return BigInt(`0x${randomBytes(10).toString('hex')}`);
}

/**
 * The 26-character time-sortable body of an id, strictly greater than the previous one made by this process even
 * when the clock stands still or steps back.
 */
export function newIdBody(now: number = Date.now()): string {
  let time = Math.min(Math.max(Math.floor(now), 0), MAX_TIME);
  let random: bigint;
  if (time > lastTime) {
    random = randomPart();
  } else {
    // Same (or an earlier) millisecond: stay on the last time and count up, so order follows creation.
    time = lastTime;
    random = lastRandom + 1n;
    if (random > RANDOM_MAX) {
      time = lastTime + 1;
      random = randomPart();
    }
  }
  lastTime = time;
  lastRandom = random;
  return encode(BigInt(time), 10) + encode(random, 16);
}

/** A new id for a row of the given kind, e.g. `newId('task')` → `tsk_01JD3Q8V6Z3M9K2X7W4R5T8Y1N`. */
export function newId(kind: IdKind, now?: number): string {
  return `${ID_PREFIXES[kind]}_${newIdBody(now)}`;
}

const ID_PATTERN = /^([a-z]{2,3})_([0-9A-HJKMNP-TV-Z]{26})$/;

/** True when `value` is an id of the given kind (syntactically: it may not exist). */
export function isId(value: unknown, kind: IdKind): value is string {
  if (typeof value !== 'string') return false;
  const match = ID_PATTERN.exec(value);
  return match !== null && match[1] === ID_PREFIXES[kind];
}

/** The creation time encoded in an id, in milliseconds since the epoch, or null for a string that is not an id. */
export function idTime(id: string): number | null {
  const match = ID_PATTERN.exec(id);
  const body = match?.[2];
  if (body === undefined) return null;
  let time = 0;
  for (const char of body.slice(0, 10)) time = time * 32 + ALPHABET.indexOf(char);
  return time;
}

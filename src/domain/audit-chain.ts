/**
 * The audit trail's hash chain. Each workspace's events carry a sequence number from 1 and a hash of the previous
 * event's hash and the event's own canonical JSON, so that changing, deleting, inserting or reordering a stored
 * event breaks the chain at that point. A chain alone cannot catch a rewrite of every later event or a cut at the
 * end; keeping the latest `{ seq, hash }` elsewhere (the workspace row, an export) and passing it as `head` can.
 */
import { createHash } from 'node:crypto';

/** The "previous hash" of a workspace's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields a stored event needs for the chain; any other fields are hashed with them. */
export interface ChainedEvent {
  seq: number;
  hash: string;
}

/**
 * JSON with object keys sorted (by UTF-16 code units) at every depth and no whitespace, so that one event always
 * gives the same bytes whatever order its fields were built in. Dates become ISO strings (as `JSON.stringify` does);
 * keys whose value is `undefined` are left out. Throws on values JSON cannot hold faithfully (NaN, ±Infinity,
 * bigint, functions, symbols), since hashing them as `null` would hide a loss.
 *
 * @example
 * canonicalJson({ b: 1, a: { d: [2, 1], c: '区经委' } }); // '{"a":{"c":"区经委","d":[2,1]},"b":1}'
 */
export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'number' && !Number.isFinite(item)) throw new TypeError(`canonicalJson: ${item} is not JSON`);
    if (typeof item === 'bigint' || typeof item === 'function' || typeof item === 'symbol') {
      throw new TypeError(`canonicalJson: a ${typeof item} is not JSON`);
    }
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
  if (text === undefined) throw new TypeError('canonicalJson: the value is not JSON');
  return text;
}

/** The event as hashed: everything but its own hash. */
function bodyOf(event: object): Record<string, unknown> {
  const { hash: _hash, ...body } = event as Record<string, unknown>;
  return body;
}

/**
 * The hash of an event: sha256 (hex) of the previous event's hash, a newline, and the event's canonical JSON. A
 * `hash` field on the event is left out, so a stored event can be passed as it is.
 *
 * @example
 * hashEvent(GENESIS_HASH, { seq: 1, at: '2021-10-15T02:00:00.000Z', action: 'report.submit' });
 * // 64 hex digits
 */
export function hashEvent(previousHash: string, event: object): string {
  return createHash('sha256')
    .update(`${previousHash}\n${canonicalJson(bodyOf(event))}`, 'utf8')
    .digest('hex');
}

/**
 * The next event of a chain: `fields` with the next `seq` and its hash. `head` is the latest stored event (or null
 * for a workspace's first).
 *
 * @example
 * const first = chainEvent(null, { action: 'plan.confirm' }); // { action: 'plan.confirm', seq: 1, hash: '…' }
 * const second = chainEvent(first, { action: 'task.split' }); // seq 2, hashed on first.hash
 */
export function chainEvent<T extends object>(head: ChainedEvent | null, fields: T): T & ChainedEvent {
  const body = { ...bodyOf(fields), seq: (head?.seq ?? 0) + 1 } as T & { seq: number };
  return { ...body, hash: hashEvent(head?.hash ?? GENESIS_HASH, body) };
}

export type ChainBreak = 'changed' | 'missing' | 'inserted' | 'reordered';

export type ChainVerdict = { ok: true } | { ok: false; brokenAt: number; reason: ChainBreak };

/**
 * Checks one workspace's events, in stored order, from seq 1. At the first event that does not follow from the
 * one before, says where and why:
 * - `inserted` — the event repeats a seq already seen, or the chain carries on as if it were not there;
 * - `reordered` — an intact event stands before the expected seq, which turns up later in the list;
 * - `missing` — a seq is skipped (`brokenAt` is the first missing one), or the list stops short of `head`;
 * - `changed` — the event's content or hash does not match (`brokenAt` is its seq), or the last event differs
 *   from `head`. An event changed and re-hashed shows as the next event changed: its link no longer holds.
 *
 * @example
 * verifyChain(events); // { ok: true }
 * verifyChain(events.filter((e) => e.seq !== 3)); // { ok: false, brokenAt: 3, reason: 'missing' }
 */
export function verifyChain(events: readonly ChainedEvent[], options: { head?: ChainedEvent } = {}): ChainVerdict {
  const fits = (event: ChainedEvent | undefined, seq: number, previousHash: string) =>
    event !== undefined && event.seq === seq && hashEvent(previousHash, event) === event.hash;
  // Intact: it hashes correctly on its own predecessor, wherever that stands in the list.
  const isIntact = (event: ChainedEvent) =>
    event.seq === 1
      ? fits(event, 1, GENESIS_HASH)
      : events.some((before) => before.seq === event.seq - 1 && fits(event, event.seq, before.hash));

  let previous = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as ChainedEvent;
    const expected = i + 1;
    if (fits(event, expected, previous)) {
      previous = event.hash;
      continue;
    }
    const skippable = fits(events[i + 1], expected, previous);
    if (event.seq < expected) return { ok: false, brokenAt: event.seq, reason: 'inserted' };
    if (event.seq === expected) return { ok: false, brokenAt: expected, reason: skippable ? 'inserted' : 'changed' };
    const expectedLater = events.slice(i + 1).some((e) => e.seq === expected);
    if (expectedLater && isIntact(event)) return { ok: false, brokenAt: expected, reason: 'reordered' };
    if (skippable) return { ok: false, brokenAt: expected, reason: 'inserted' };
    return { ok: false, brokenAt: expected, reason: expectedLater ? 'reordered' : 'missing' };
  }

  const head = options.head;
  const last = events.at(-1);
  if (head && (last?.seq ?? 0) < head.seq) return { ok: false, brokenAt: (last?.seq ?? 0) + 1, reason: 'missing' };
  if (head && last && last.seq === head.seq && last.hash !== head.hash) {
    return { ok: false, brokenAt: last.seq, reason: 'changed' };
  }
  return { ok: true };
}

/**
 * The audit trail's hash chain. Each workspace's events carry a sequence number from 1 and a hash of the previous
 * event's hash and the event's own canonical JSON, so that changing, deleting, inserting or reordering a stored
 * event breaks the chain at that point. A chain alone cannot catch a rewrite of every later event or a cut at the
 * end; keeping the latest `{ seq, hash }` elsewhere (the workspace row, an export) and passing it as `head` can;
 * an HMAC of that head under a key kept outside the database (`auditHeadHmac`) tells a head a forger recomputed from
 * the genuine one.
 */
import { createHash, createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

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

/** What the head's HMAC covers: a version tag, then the workspace, the seq and the hash, one per line. */
const HEAD_HMAC_TAG = 'luoshi-audit-head/1';

/**
 * The HMAC-SHA256 (hex) of a workspace's chain head under the audit key (AUDIT_KEY), which the database never holds.
 * The head's hash covers every event before it, so the HMAC anchors the whole chain: whoever rewrites events and
 * recomputes their hashes and the head cannot recompute this without the key. The workspace is part of it, so a
 * head cannot be moved to another workspace's row.
 *
 * @example
 * auditHeadHmac(key, 'ws_jinshan', { seq: 42, hash: 'ab…' }); // 64 hex digits
 */
export function auditHeadHmac(key: KeyObject, workspaceId: string, head: ChainedEvent): string {
  return createHmac('sha256', key)
    .update(`${HEAD_HMAC_TAG}\n${workspaceId}\n${head.seq}\n${head.hash}`, 'utf8')
    .digest('hex');
}

/**
 * Whether `hmac` is the head's HMAC under `key`, compared in constant time.
 *
 * @example
 * isAuditHeadHmacValid(key, 'ws_jinshan', head, auditHeadHmac(key, 'ws_jinshan', head)); // true
 */
export function isAuditHeadHmacValid(key: KeyObject, workspaceId: string, head: ChainedEvent, hmac: string): boolean {
  const expected = Buffer.from(auditHeadHmac(key, workspaceId, head), 'utf8');
  const given = Buffer.from(hmac, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
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

// ---- Walking a stored chain, one event at a time ----

/**
 * An event as stored: the row `id` (not hashed: the event's place in the chain fixes it), `seq`, `prev_hash` (null
 * for the first event), `hash`, and the hashed fields. The hash covers every field but `id` and `hash`.
 */
export interface StoredChainEvent extends ChainedEvent {
  id: string;
  prev_hash: string | null;
}

export type ChainFaultKind = 'changed' | 'missing' | 'inserted' | 'reordered' | 'head-missing';

/**
 * Why a stored chain breaks where it does:
 * - `hash-mismatch` — the event no longer matches its own hash (a field was changed);
 * - `rehashed` — the event hashes correctly, but the next event was chained on a different one (it was changed and
 *   its hash recomputed, or replaced by a forged event);
 * - `link-mismatch` — the event's `prev_hash` is not the hash of the event before it, and its hash does not hold;
 * - `id-mismatch` — the row id is not the one its seq gives;
 * - `head-mismatch` — the event at the head's seq is not the one the head records (the last event was changed or
 *   replaced);
 * - `seq-gap` — seqs are skipped (rows deleted);
 * - `renumbered-down` — an event carries a seq one below the one it was hashed with (a row was deleted and the
 *   later ones moved up to hide the gap);
 * - `swapped` — two neighbours carry each other's seq (rows reordered);
 * - `truncated` — the chain stops before the head's seq (the last rows were deleted);
 * - `duplicate-seq` — two events share a seq (a row was inserted);
 * - `renumbered-up` — the next event carries a seq one above the one it was hashed with (a row was inserted and the
 *   later ones moved down to make room);
 * - `beyond-head` — events follow the head's seq (rows were appended without the head);
 * - `head-missing` — events exist but no head does.
 */
export type ChainFaultCause =
  | 'hash-mismatch'
  | 'rehashed'
  | 'link-mismatch'
  | 'id-mismatch'
  | 'head-mismatch'
  | 'seq-gap'
  | 'renumbered-down'
  | 'swapped'
  | 'truncated'
  | 'duplicate-seq'
  | 'renumbered-up'
  | 'beyond-head'
  | 'head-missing';

/** Where and why a stored chain breaks; the events are those of the walk, for naming them. */
export interface ChainFault<E extends StoredChainEvent> {
  kind: ChainFaultKind;
  cause: ChainFaultCause;
  /** The seq of the changed or inserted event, or the first missing seq. */
  seq: number;
  /** The last missing seq of a run of missing events; `seq` otherwise. */
  lastSeq: number;
  /** The changed or inserted event; null when events are missing. */
  event: E | null;
  /** The last intact event before the break, if any. */
  previous: E | null;
  /** The first event after missing ones, if any. */
  next: E | null;
}

/** The part of a chain's head that verification compares: the latest event's seq and hash. */
export type ChainHead = ChainedEvent;

/** Events around the head's seq that the caller looks up when the walk went past it (see `finish`). */
export interface EventsAroundHead<E> {
  atHead?: E | undefined;
  afterHead?: E | undefined;
}

interface PendingEvent<E extends StoredChainEvent> {
  event: E;
  /** The verdict if the next event does not show otherwise. */
  fault: ChainFault<E>;
  /** The verdict given the next event (null at the end of the chain), or undefined to keep `fault`. */
  settle: (next: E | null, head: ChainHead | null) => ChainFault<E> | undefined;
}

/**
 * Verifies a stored chain one event at a time, in memory independent of its length: feed the events of one
 * workspace in `(seq, id)` order with `push`, then call `finish` with the head kept outside the events. It stops at
 * the first break and names the event, the way a reader of the trail would want it told: which row was changed,
 * deleted or inserted. An event whose break the next one explains (a row inserted before renumbered ones, a second
 * row under one seq) waits for that next event before the walker decides.
 *
 * @example
 * const walker = new ChainWalker({ idOf: (seq) => `aud_${seq}` });
 * for (const event of events) if (walker.push(event)) break;
 * const fault = walker.finish(head); // null when the chain is whole
 */
export class ChainWalker<E extends StoredChainEvent> {
  readonly #idOf: ((seq: number) => string) | undefined;
  #last: E | null = null;
  #count = 0;
  #pending: PendingEvent<E> | null = null;
  #fault: ChainFault<E> | null = null;

  constructor(options: { idOf?: (seq: number) => string } = {}) {
    this.#idOf = options.idOf;
  }

  /** How many events have been found intact so far. */
  get count(): number {
    return this.#count;
  }

  /** The last intact event so far. */
  get last(): E | null {
    return this.#last;
  }

  /** The break found so far, if any. */
  get fault(): ChainFault<E> | null {
    return this.#fault;
  }

  /** Takes the next stored event; returns the break once one is certain (and the same one for every later push). */
  push(event: E): ChainFault<E> | null {
    if (this.#fault !== null) return this.#fault;
    if (this.#pending !== null) {
      const pending = this.#pending;
      this.#pending = null;
      return (this.#fault = pending.settle(event, null) ?? pending.fault);
    }
    const last = this.#last;
    const expected = (last?.seq ?? 0) + 1;
    const fault = (kind: ChainFaultKind, cause: ChainFaultCause, named: E | null, seq = event.seq): ChainFault<E> => ({
      kind,
      cause,
      seq,
      lastSeq: seq,
      event: named,
      previous: named === last ? null : last,
      next: null,
    });

    if (event.seq < expected) {
      // Walked in seq order, so it repeats the last seq: one of the two was inserted (the unique index was dropped).
      if (last === null || event.seq !== last.seq || !this.#fitsAfter(last.prev_hash, event)) {
        return (this.#fault = fault('inserted', 'duplicate-seq', event));
      }
      // Both hash correctly on the same predecessor; the genuine one is the one the next event was chained on.
      this.#pending = {
        event,
        fault: fault('inserted', 'duplicate-seq', event),
        settle: (next, head) => {
          const isNextOn = (e: E) =>
            next === null
              ? head !== null && head.seq === e.seq && head.hash === e.hash
              : next.prev_hash === e.hash && this.#hashes(e.hash, next);
          return isNextOn(event) && !isNextOn(last) ? fault('inserted', 'duplicate-seq', last) : undefined;
        },
      };
      return null;
    }

    if (event.seq > expected) {
      return (this.#fault = { ...fault('missing', 'seq-gap', null, expected), lastSeq: event.seq - 1, next: event });
    }

    const isLinked = event.prev_hash === (last?.hash ?? null);
    const isOwnHashRight = this.#hashes(event.prev_hash ?? GENESIS_HASH, event);
    if (isLinked && isOwnHashRight) {
      if (this.#idOf !== undefined && event.id !== this.#idOf(event.seq)) {
        // The id is not hashed, so a forged row needs an id of its own; the next event tells whether it was
        // inserted (a second row under this seq, or the genuine one moved down a seq) or only its id changed.
        this.#pending = {
          event,
          fault: fault('changed', 'id-mismatch', event),
          settle: (next) => {
            if (next === null) return undefined;
            if (next.seq === event.seq && this.#fitsAfter(event.prev_hash, next)) {
              return fault('inserted', 'duplicate-seq', event);
            }
            const isMovedDown =
              next.seq === event.seq + 1 && next.prev_hash === event.prev_hash && this.#hashesAt(next, event.seq);
            return isMovedDown ? fault('inserted', 'renumbered-up', event) : undefined;
          },
        };
        return null;
      }
      this.#last = event;
      this.#count++;
      return null;
    }
    if (isOwnHashRight) {
      // Intact itself, but chained on something other than the event before it: that one was rewritten.
      return (this.#fault =
        last === null ? fault('changed', 'link-mismatch', event) : fault('changed', 'rehashed', last, last.seq));
    }
    // A seq that differs by one from the one the event was hashed with: rows were renumbered around it.
    if (last !== null && event.prev_hash === last.prev_hash && this.#hashesAt(event, event.seq - 1)) {
      return (this.#fault = fault('inserted', 'renumbered-up', last, last.seq));
    }
    if (this.#hashesAt(event, event.seq + 1)) {
      // Moved up one seq: the one before it deleted, or the two swapped — which the next event tells.
      this.#pending = {
        event,
        fault: { ...fault('missing', 'renumbered-down', null), next: event },
        settle: (next) =>
          next !== null &&
          next.seq === event.seq + 1 &&
          this.#fitsAfter(last?.hash ?? null, { ...next, seq: event.seq })
            ? fault('reordered', 'swapped', event)
            : undefined,
      };
      return null;
    }
    const broken = fault('changed', isLinked ? 'hash-mismatch' : 'link-mismatch', event);
    // A forged row whose hash does not hold, put beside the genuine one or before renumbered ones: the next event
    // is the genuine one, or still links to the event before the forged row though moved down one seq.
    this.#pending = {
      event,
      fault: broken,
      settle: (next, head) => {
        if (next === null) {
          return head !== null && event.seq > head.seq ? fault('inserted', 'beyond-head', event) : undefined;
        }
        if (next.seq === event.seq && this.#fitsAfter(last?.hash ?? null, next)) {
          return fault('inserted', 'duplicate-seq', event);
        }
        const isMovedDown =
          next.seq === event.seq + 1 && next.prev_hash === (last?.hash ?? null) && this.#hashesAt(next, event.seq);
        return isMovedDown ? fault('inserted', 'renumbered-up', event) : undefined;
      },
    };
    return null;
  }

  /**
   * Ends the walk against the head kept outside the events (null when there is none). When the walk went past the
   * head's seq, pass the stored events at the head's seq and right after it, so the break can be named.
   */
  finish(head: ChainHead | null, around: EventsAroundHead<E> = {}): ChainFault<E> | null {
    if (this.#fault !== null) return this.#fault;
    if (this.#pending !== null) {
      const pending = this.#pending;
      this.#pending = null;
      return (this.#fault = pending.settle(null, head) ?? pending.fault);
    }
    const last = this.#last;
    const base = { event: null, previous: last, next: null };
    if (head === null) {
      if (last === null) return null;
      return (this.#fault = { ...base, kind: 'head-missing', cause: 'head-missing', seq: last.seq, lastSeq: last.seq });
    }
    const lastSeq = last?.seq ?? 0;
    if (lastSeq < head.seq) {
      return (this.#fault = { ...base, kind: 'missing', cause: 'truncated', seq: lastSeq + 1, lastSeq: head.seq });
    }
    const atHead = lastSeq === head.seq ? last : (around.atHead ?? null);
    if (atHead === null || atHead.hash !== head.hash) {
      return (this.#fault = {
        kind: 'changed',
        cause: 'head-mismatch',
        seq: head.seq,
        lastSeq: head.seq,
        event: atHead,
        previous: null,
        next: null,
      });
    }
    if (lastSeq > head.seq) {
      const seq = head.seq + 1;
      return (this.#fault = {
        kind: 'inserted',
        cause: 'beyond-head',
        seq,
        lastSeq: seq,
        event: around.afterHead ?? null,
        previous: atHead,
        next: null,
      });
    }
    return null;
  }

  /** Whether `event` hashes to its stored hash on `previousHash`; its row id is not part of the hash. */
  #hashes(previousHash: string, event: E): boolean {
    const { id: _id, ...body } = event;
    return hashEvent(previousHash, body) === event.hash;
  }

  #hashesAt(event: E, seq: number): boolean {
    return seq >= 1 && this.#hashes(event.prev_hash ?? GENESIS_HASH, { ...event, seq });
  }

  #fitsAfter(previousHash: string | null, event: E): boolean {
    return event.prev_hash === previousHash && this.#hashes(previousHash ?? GENESIS_HASH, event);
  }
}

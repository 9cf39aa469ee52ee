// The audit trail's hash chain: stable hashing of an event, and each kind of tampering found at the right seq.
import { createSecretKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ChainWalker,
  GENESIS_HASH,
  auditHeadHmac,
  canonicalJson,
  chainEvent,
  hashEvent,
  verifyChain,
  type ChainBreak,
  type ChainedEvent,
  type ChainFault,
  type ChainHead,
  type EventsAroundHead,
  isAuditHeadHmacValid,
} from '../../src/domain/audit-chain.ts';

interface AuditRow extends ChainedEvent {
  workspaceId: string;
  at: string;
  actor: string;
  action: string;
  data: Record<string, unknown>;
}

/** A workspace's trail of `count` events, each chained on the one before. */
function buildChain(count = 5): AuditRow[] {
  const rows: AuditRow[] = [];
  for (let i = 1; i <= count; i++) {
    rows.push(
      chainEvent(rows.at(-1) ?? null, {
        workspaceId: 'ws-jinshan',
        at: new Date(Date.UTC(2021, 9, i)).toISOString(),
        actor: i % 2 ? '区经委' : '区发改委',
        action: i % 2 ? 'report.submit' : 'report.accept',
        data: { period: '2021-Q3', task: '（11）', readings: [{ value: 400 + i }] },
      }),
    );
  }
  return rows;
}

function nth<T>(rows: readonly T[], index: number): T {
  const row = rows[index];
  if (row === undefined) throw new Error(`no row ${index}`);
  return row;
}

describe('canonical JSON', () => {
  it('writes keys sorted at every depth and no spaces, whatever order they were built in', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: '区经委' } })).toBe('{"a":{"c":"区经委","d":[2,1]},"b":1}');
    expect(canonicalJson({ a: { c: 1, d: 2 }, b: 1 })).toBe(canonicalJson({ b: 1, a: { d: 2, c: 1 } }));
  });

  it('writes dates as ISO strings and leaves out undefined fields', () => {
    expect(canonicalJson({ at: new Date('2021-10-15T16:00:00Z'), gone: undefined })).toBe(
      '{"at":"2021-10-15T16:00:00.000Z"}',
    );
  });

  it.each<[string, unknown]>([
    ['NaN', { value: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['a bigint', { id: 1n }],
    ['a function', () => 1],
  ])('refuses %s rather than hash it as null', (_what, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });
});

describe('hashing', () => {
  it('is sha256 hex of the previous hash and the event, and ignores a stored hash field', () => {
    const event = { seq: 1, action: 'plan.confirm' };
    const hash = hashEvent(GENESIS_HASH, event);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashEvent(GENESIS_HASH, { action: 'plan.confirm', seq: 1 })).toBe(hash);
    expect(hashEvent(GENESIS_HASH, { ...event, hash: 'whatever' })).toBe(hash);
    expect(hashEvent('1'.repeat(64), event)).not.toBe(hash);
    expect(hashEvent(GENESIS_HASH, { ...event, action: 'plan.confirm ' })).not.toBe(hash);
  });

  it('numbers a workspace’s events from 1', () => {
    expect(buildChain(3).map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});

// Known answers, computed outside this code (Python's hashlib and hmac over the same bytes): a change to the hashed
// format (the separator, the key order, the escaping) or to the HMAC's input passes every other test, and would make
// every stored chain read as tampered (or every anchored head as forged). These pin the format.
describe('known answers (tests that cannot pass silently)', () => {
  const first = {
    workspace_id: 'ws_kat',
    seq: 1,
    at: '2021-10-15T02:00:00.000Z',
    actor_id: 'usr_office',
    actor_roles: '["office"]',
    action: 'report.submit',
    subject_type: 'report',
    subject_id: 'rpt_1',
    detail: '{"期别":"2021-Q3","value":400}',
    ip: '127.0.0.1',
    outcome: 'success',
    prev_hash: null,
  };
  const FIRST_HASH = '5541eebd9df2ae6763ebb7f98fff4b36d6a579236001c63fd8d30b478f2c60b0';
  const second = { ...first, seq: 2, at: '2021-10-16T02:00:00.000Z', action: 'report.accept', prev_hash: FIRST_HASH };
  const SECOND_HASH = '82b1be86b35cae26408d32817bd14ee430563603949a1ee162de9605f5cda5e0';

  it('hashEvent: a fixed stored event gives a fixed digest, and so does the next one chained on it', () => {
    expect(hashEvent(GENESIS_HASH, first)).toBe(FIRST_HASH);
    expect(hashEvent(FIRST_HASH, second)).toBe(SECOND_HASH);
  });

  it('auditHeadHmac: a fixed key and head give a fixed HMAC', () => {
    const key = createSecretKey(Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex'));
    const head = { seq: 2, hash: SECOND_HASH };
    const HMAC = 'e61dd0f68a3c5759fa7f308b21ea780db71b81a12534c5317a68c90eda0b7b5d';
    expect(auditHeadHmac(key, 'ws_kat', head)).toBe(HMAC);
    expect(isAuditHeadHmacValid(key, 'ws_kat', head, HMAC)).toBe(true);
    // Each part of the head counts: another workspace, seq or hash, or another key, fails.
    expect(isAuditHeadHmacValid(key, 'ws_other', head, HMAC)).toBe(false);
    expect(isAuditHeadHmacValid(key, 'ws_kat', { ...head, seq: 3 }, HMAC)).toBe(false);
    expect(isAuditHeadHmacValid(key, 'ws_kat', { ...head, hash: FIRST_HASH }, HMAC)).toBe(false);
    expect(isAuditHeadHmacValid(createSecretKey(Buffer.alloc(32, 7)), 'ws_kat', head, HMAC)).toBe(false);
    expect(isAuditHeadHmacValid(key, 'ws_kat', head, HMAC.slice(0, 63))).toBe(false);
  });
});

describe('verifying a chain', () => {
  it('accepts an intact chain, an empty one, and one that matches its head', () => {
    const chain = buildChain();
    expect(verifyChain(chain)).toEqual({ ok: true });
    expect(verifyChain([])).toEqual({ ok: true });
    expect(verifyChain(chain, { head: chain[4] })).toEqual({ ok: true });
  });

  const tampered: [string, (rows: AuditRow[]) => ChainedEvent[], number, ChainBreak][] = [
    [
      'a changed value',
      (rows) => rows.map((e) => (e.seq === 3 ? { ...e, data: { ...e.data, readings: [{ value: 999 }] } } : e)),
      3,
      'changed',
    ],
    ['a changed actor', (rows) => rows.map((e) => (e.seq === 1 ? { ...e, actor: '区财政局' } : e)), 1, 'changed'],
    ['a changed hash', (rows) => rows.map((e) => (e.seq === 5 ? { ...e, hash: GENESIS_HASH } : e)), 5, 'changed'],
    [
      // The forger re-hashes the changed event; the next event's link gives it away.
      'a changed and re-hashed event',
      (rows) =>
        rows.map((e) =>
          e.seq === 2
            ? { ...e, actor: '区财政局', hash: hashEvent(rows[0]?.hash ?? '', { ...e, actor: '区财政局' }) }
            : e,
        ),
      3,
      'changed',
    ],
    ['a deleted event', (rows) => rows.filter((e) => e.seq !== 3), 3, 'missing'],
    ['the first event deleted', (rows) => rows.slice(1), 1, 'missing'],
    ['two events deleted', (rows) => rows.filter((e) => e.seq !== 2 && e.seq !== 3), 2, 'missing'],
    [
      'an event inserted with a seq of its own',
      (rows) => [...rows.slice(0, 2), { ...nth(rows, 2), seq: 99, action: 'report.delete' }, ...rows.slice(2)],
      3,
      'inserted',
    ],
    [
      'an event inserted under a seq already used',
      (rows) => [...rows.slice(0, 2), { ...nth(rows, 2), action: 'report.delete' }, ...rows.slice(2)],
      3,
      'inserted',
    ],
    [
      'a forged event chained on its predecessor',
      (rows) => [...rows.slice(0, 2), chainEvent(nth(rows, 1), { action: 'report.delete' }), ...rows.slice(2)],
      3,
      'inserted',
    ],
    [
      'two events swapped',
      (rows) => [nth(rows, 0), nth(rows, 2), nth(rows, 1), nth(rows, 3), nth(rows, 4)],
      2,
      'reordered',
    ],
    ['the last event moved first', (rows) => [nth(rows, 4), ...rows.slice(0, 4)], 1, 'reordered'],
  ];

  it.each(tampered)('finds %s at seq %s', (_what, tamper, brokenAt, reason) => {
    expect(verifyChain(tamper(buildChain()))).toEqual({ ok: false, brokenAt, reason });
  });

  it('finds a cut at the end only against a head kept elsewhere', () => {
    const chain = buildChain();
    const head = nth(chain, 4);
    expect(verifyChain(chain.slice(0, 3))).toEqual({ ok: true });
    expect(verifyChain(chain.slice(0, 3), { head })).toEqual({ ok: false, brokenAt: 4, reason: 'missing' });
    expect(verifyChain([], { head })).toEqual({ ok: false, brokenAt: 1, reason: 'missing' });
    const rewritten = [...chain.slice(0, 4), chainEvent(nth(chain, 3), { action: 'report.accept' })];
    expect(verifyChain(rewritten, { head })).toEqual({ ok: false, brokenAt: 5, reason: 'changed' });
  });
});

// ---- The stored chain, walked one event at a time ----

/** A row as the audit writer stores it: an id the seq gives, `prev_hash`, and a hash of all but id and hash. */
interface StoredRow {
  id: string;
  workspace_id: string;
  seq: number;
  at: string;
  action: string;
  detail: string;
  prev_hash: string | null;
  hash: string;
}

const idOf = (seq: number) => `aud_${String(seq).padStart(3, '0')}`;

/** Seals a row on `previous`: the link and the hash the writer would give it. */
function seal(previous: StoredRow | null, fields: Omit<StoredRow, 'prev_hash' | 'hash'>): StoredRow {
  const body = { ...fields, prev_hash: previous?.hash ?? null };
  const { id: _id, ...hashed } = body;
  return { ...body, hash: hashEvent(previous?.hash ?? GENESIS_HASH, hashed) };
}

function storedChain(count = 5): StoredRow[] {
  const rows: StoredRow[] = [];
  for (let seq = 1; seq <= count; seq++) {
    rows.push(
      seal(rows.at(-1) ?? null, {
        id: idOf(seq),
        workspace_id: 'ws-jinshan',
        seq,
        at: new Date(Date.UTC(2021, 9, seq)).toISOString(),
        action: seq % 2 ? 'report.submit' : 'report.accept',
        detail: JSON.stringify({ period: '2021-Q3', value: 400 + seq }),
      }),
    );
  }
  return rows;
}

function row(rows: readonly StoredRow[], seq: number): StoredRow {
  return nth(rows, seq - 1);
}

const headOf = (rows: readonly StoredRow[]): ChainHead => {
  const last = nth(rows, rows.length - 1);
  return { seq: last.seq, hash: last.hash };
};

/** Walks rows in the order given (the database's `(seq, id)` order) and ends against `head`. */
function walk(
  rows: readonly StoredRow[],
  head: ChainHead | null,
  around: EventsAroundHead<StoredRow> = {},
): ChainFault<StoredRow> | null {
  const walker = new ChainWalker<StoredRow>({ idOf });
  for (const event of rows) if (walker.push(event) !== null) break;
  return walker.finish(head, around);
}

/** The verdict in short: kind, cause, seqs, and the id of the event named. */
function verdict(fault: ChainFault<StoredRow> | null) {
  return fault === null
    ? null
    : { kind: fault.kind, cause: fault.cause, seq: fault.seq, lastSeq: fault.lastSeq, event: fault.event?.id ?? null };
}

describe('walking a stored chain', () => {
  it('finds a whole chain whole, page after page, and counts its events', () => {
    const rows = storedChain(7);
    const walker = new ChainWalker<StoredRow>({ idOf });
    for (const event of rows) expect(walker.push(event)).toBeNull();
    expect(walker.finish(headOf(rows))).toBeNull();
    expect(walker.count).toBe(7);
    expect(walker.last?.id).toBe(idOf(7));
    expect(walk([], null)).toBeNull();
  });

  it('names a changed row, a re-hashed one, and a changed row id', () => {
    const rows = storedChain();
    const head = headOf(rows);
    const changed = rows.map((r) => (r.seq === 3 ? { ...r, detail: '{"period":"2021-Q3","value":999}' } : r));
    expect(verdict(walk(changed, head))).toEqual({
      kind: 'changed',
      cause: 'hash-mismatch',
      seq: 3,
      lastSeq: 3,
      event: idOf(3),
    });
    const rehashed = rows.map((r) => (r.seq === 2 ? seal(row(rows, 1), { ...r, action: 'report.delete' }) : r));
    expect(verdict(walk(rehashed, head))).toMatchObject({ kind: 'changed', cause: 'rehashed', seq: 2, event: idOf(2) });
    const lastChanged = rows.map((r) => (r.seq === 5 ? { ...r, at: '2021-01-01T00:00:00.000Z' } : r));
    expect(verdict(walk(lastChanged, head))).toMatchObject({ kind: 'changed', cause: 'hash-mismatch', seq: 5 });
    const renamed = rows.map((r) => (r.seq === 2 ? { ...r, id: 'aud_other' } : r));
    expect(verdict(walk(renamed, head))).toMatchObject({ kind: 'changed', cause: 'id-mismatch', event: 'aud_other' });
  });

  it('names deleted rows: in the middle, a run of them, the first, and those at the end against the head', () => {
    const rows = storedChain();
    const head = headOf(rows);
    const middle = walk(
      rows.filter((r) => r.seq !== 3),
      head,
    );
    expect(verdict(middle)).toEqual({ kind: 'missing', cause: 'seq-gap', seq: 3, lastSeq: 3, event: null });
    expect([middle?.previous?.id, middle?.next?.id]).toEqual([idOf(2), idOf(4)]);
    expect(
      verdict(
        walk(
          rows.filter((r) => r.seq !== 2 && r.seq !== 3),
          head,
        ),
      ),
    ).toMatchObject({ kind: 'missing', seq: 2, lastSeq: 3 });
    expect(verdict(walk(rows.slice(1), head))).toMatchObject({ kind: 'missing', cause: 'seq-gap', seq: 1 });
    const cut = walk(rows.slice(0, 4), head);
    expect(verdict(cut)).toEqual({ kind: 'missing', cause: 'truncated', seq: 5, lastSeq: 5, event: null });
    expect(cut?.previous?.id).toBe(idOf(4));
    expect(verdict(walk([], head))).toMatchObject({ kind: 'missing', cause: 'truncated', seq: 1, lastSeq: 5 });
  });

  it('names a row deleted with the later ones moved up to close the gap', () => {
    const rows = storedChain();
    const renumbered = rows
      .filter((r) => r.seq !== 3)
      .map((r) => (r.seq > 3 ? { ...r, seq: r.seq - 1, id: idOf(r.seq - 1) } : r));
    const fault = walk(renumbered, { seq: 4, hash: row(rows, 5).hash });
    expect(verdict(fault)).toMatchObject({ kind: 'missing', cause: 'renumbered-down', seq: 3 });
    expect(fault?.next?.hash).toBe(row(rows, 4).hash);
  });

  it('names two rows that swapped seqs', () => {
    const rows = storedChain();
    const swapped = [
      row(rows, 1),
      { ...row(rows, 3), seq: 2, id: idOf(2) },
      { ...row(rows, 2), seq: 3, id: idOf(3) },
      row(rows, 4),
      row(rows, 5),
    ];
    expect(verdict(walk(swapped, headOf(rows)))).toMatchObject({ kind: 'reordered', cause: 'swapped', seq: 2 });
  });

  describe('an inserted row', () => {
    const rows = storedChain();
    const head = headOf(rows);
    const forged = (id: string, seq = 3) =>
      seal(row(rows, seq - 1), { ...row(rows, seq), id, action: 'report.delete', detail: '{"forged":true}' });

    it('under a seq already used, whichever of the two the database returns first', () => {
      const after = [...rows.slice(0, 3), forged('aud_003x'), ...rows.slice(3)];
      expect(verdict(walk(after, head))).toMatchObject({ kind: 'inserted', cause: 'duplicate-seq', event: 'aud_003x' });
      const before = [...rows.slice(0, 2), forged('aud_003-'), ...rows.slice(2)];
      expect(verdict(walk(before, head))).toMatchObject({
        kind: 'inserted',
        cause: 'duplicate-seq',
        event: 'aud_003-',
      });
      // The forger took the genuine row's id and gave the genuine row another.
      const swappedIds = [...rows.slice(0, 2), forged(idOf(3)), { ...row(rows, 3), id: 'aud_003z' }, ...rows.slice(3)];
      expect(verdict(walk(swappedIds, head))).toMatchObject({
        kind: 'inserted',
        cause: 'duplicate-seq',
        event: idOf(3),
      });
      // A forged row that does not even hash, returned before the genuine one.
      const unhashed = [...rows.slice(0, 2), { ...forged('aud_003-'), hash: 'f'.repeat(64) }, ...rows.slice(2)];
      expect(verdict(walk(unhashed, head))).toMatchObject({
        kind: 'inserted',
        cause: 'duplicate-seq',
        event: 'aud_003-',
      });
      // At the end, the head tells which of the two is genuine.
      const atEnd = [...rows.slice(0, 4), forged(idOf(5), 5), { ...row(rows, 5), id: 'aud_005z' }];
      expect(verdict(walk(atEnd, head))).toMatchObject({ kind: 'inserted', cause: 'duplicate-seq', event: idOf(5) });
    });

    it('with a correct-looking seq in the middle, the later rows moved down to make room', () => {
      const moved = rows.slice(2).map((r) => ({ ...r, seq: r.seq + 1, id: idOf(r.seq + 1) }));
      const chained = [...rows.slice(0, 2), forged(idOf(3)), ...moved];
      expect(verdict(walk(chained, head))).toEqual({
        kind: 'inserted',
        cause: 'renumbered-up',
        seq: 3,
        lastSeq: 3,
        event: idOf(3),
      });
      // A forger who could not compute the hash either.
      const unhashed = [...rows.slice(0, 2), { ...forged(idOf(3)), hash: 'f'.repeat(64) }, ...moved];
      expect(verdict(walk(unhashed, head))).toMatchObject({ kind: 'inserted', cause: 'renumbered-up', event: idOf(3) });
      // Moved, but the forged row kept an id of its own.
      const ownId = [...rows.slice(0, 2), forged('aud_003x'), ...moved];
      expect(verdict(walk(ownId, head))).toMatchObject({ kind: 'inserted', cause: 'renumbered-up', event: 'aud_003x' });
    });

    it('at the end, chained correctly or not, found against the head', () => {
      const sixth = seal(row(rows, 5), { ...row(rows, 5), id: idOf(6), seq: 6, action: 'report.delete' });
      const appended = [...rows, sixth];
      expect(verdict(walk(appended, head, { atHead: row(rows, 5), afterHead: sixth }))).toEqual({
        kind: 'inserted',
        cause: 'beyond-head',
        seq: 6,
        lastSeq: 6,
        event: idOf(6),
      });
      // Without a head kept elsewhere, an appended row cannot be told from a genuine one.
      expect(walk(appended, headOf(appended))).toBeNull();
      const unhashed = [...rows, { ...sixth, hash: 'f'.repeat(64) }];
      expect(verdict(walk(unhashed, head))).toMatchObject({ kind: 'inserted', cause: 'beyond-head', seq: 6 });
    });

    it('replacing the last row, found against the head', () => {
      const replaced = [...rows.slice(0, 4), forged(idOf(5), 5)];
      expect(verdict(walk(replaced, head))).toMatchObject({
        kind: 'changed',
        cause: 'head-mismatch',
        seq: 5,
        event: idOf(5),
      });
    });
  });

  it('reports events without a head', () => {
    const rows = storedChain(2);
    expect(verdict(walk(rows, null))).toMatchObject({ kind: 'head-missing', cause: 'head-missing', seq: 2 });
  });

  it('keeps the first break for every later push', () => {
    const rows = storedChain();
    const walker = new ChainWalker<StoredRow>({ idOf });
    walker.push(row(rows, 1));
    const fault = walker.push(row(rows, 3));
    expect(fault?.cause).toBe('seq-gap');
    expect(walker.push(row(rows, 4))).toBe(fault);
    expect(walker.finish(headOf(rows))).toBe(fault);
  });
});

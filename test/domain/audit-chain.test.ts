// The audit trail's hash chain: stable hashing of an event, and each kind of tampering found at the right seq.
import { describe, expect, it } from 'vitest';
import {
  GENESIS_HASH,
  canonicalJson,
  chainEvent,
  hashEvent,
  verifyChain,
  type ChainBreak,
  type ChainedEvent,
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

import { describe, expect, it } from 'vitest';
import { ID_PREFIXES, idTime, isId, newId, newIdBody } from '../../src/db/ids.ts';

describe('ids', () => {
  it('are prefixed, 26 Crockford characters, and carry their time', () => {
    const at = Date.UTC(2021, 6, 1, 2, 0, 0);
    const id = newId('task', at);
    expect(id).toMatch(/^tsk_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(idTime(id)).toBe(at);
    expect(isId(id, 'task')).toBe(true);
    expect(isId(id, 'report')).toBe(false);
    expect(isId('tsk_not-an-id', 'task')).toBe(false);
    expect(idTime('nonsense')).toBeNull();
  });

  it('increase strictly in the order they are made, even within one millisecond or when the clock steps back', () => {
    const now = Date.now() + 10_000;
    const bodies = [...Array.from({ length: 1000 }, () => newIdBody(now)), newIdBody(now - 5000), newIdBody(now + 1)];
    expect([...bodies].sort()).toEqual(bodies);
    expect(new Set(bodies).size).toBe(bodies.length);
  });

  it('have a distinct prefix per kind', () => {
    const prefixes = Object.values(ID_PREFIXES);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });
});

// Scores the parser on the example plan and on the notation fixtures (each written for one notation, with a
// hand-checked gold file), read from their text files the way `luoshi parse` reads them.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSourceText } from '../../src/importer/index.ts';
import { scorePlan, type Gold } from '../helpers/score.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/plans');
const EXAMPLES = join(import.meta.dirname, '../../examples');

function documentsOf(dir: string): { name: string; file: string; gold: Gold }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.gold.json'))
    .flatMap((goldFile) => {
      const base = goldFile.slice(0, -'.gold.json'.length);
      const gold = JSON.parse(readFileSync(join(dir, goldFile), 'utf8')) as Gold;
      return ['.md', '.txt']
        .filter((ext) => existsSync(join(dir, base + ext)))
        .map((ext) => ({ name: base + ext, file: join(dir, base + ext), gold }));
    });
}

describe('the example plan (金府发〔2021〕1号)', () => {
  const [example] = documentsOf(EXAMPLES);
  it('holds the issue’s bar: tasks 1, units 1, targets ≥ 0.95, metadata 4/4', () => {
    if (!example) throw new Error('examples/ lost its gold file');
    const draft = parseSourceText(readFileSync(example.file, 'utf8'));
    const score = scorePlan(example.gold, draft);
    expect(draft.tasks).toHaveLength(48);
    expect(score.misses).toEqual([]);
    expect(Math.min(score.taskF1, score.titles)).toBe(1);
    expect(score.units).toBe(1);
    expect(score.targetF1).toBeGreaterThanOrEqual(0.95);
    expect(score.meta).toBe(4);
  });
});

describe('notation fixtures', () => {
  const documents = documentsOf(FIXTURES);
  it('has one document per notation', () => {
    expect(documents.length).toBeGreaterThanOrEqual(18);
  });
  it.each(documents.map((d) => [d.name, d] as const))('%s matches its gold', (_name, doc) => {
    const score = scorePlan(doc.gold, parseSourceText(readFileSync(doc.file, 'utf8')));
    expect(score.misses).toEqual([]);
    expect(score).toMatchObject({
      taskF1: 1,
      titles: 1,
      paths: 1,
      units: 1,
      roles: 1,
      targetF1: 1,
      meta: score.metaOf,
    });
  });
});

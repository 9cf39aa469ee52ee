import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { newId } from '../../src/db/ids.ts';
import { buildSearchText, containsPattern, containsText, normalizeSearchText } from '../../src/db/text-search.ts';
import { isCi } from '../helpers/ci.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { seedOneOfEach } from './one-of-each.ts';

it('normalises full-width forms, case and spaces', () => {
  expect(normalizeSearchText(' （11）推进  ＡＩ产业\n')).toBe('(11)推进 ai产业');
  expect(buildSearchText(['（11）', '推进特色产业', null, '区经委', ''])).toBe('(11) 推进特色产业 区经委');
  expect(containsPattern('100%_a\\b')).toBe('%100\\%\\_a\\\\b%');
});

describeEachDatabase('task text search', (database, dialect) => {
  it('finds tasks by any part of their Chinese text, and treats % and _ as text', async () => {
    const { db } = database();
    const { tasks } = await seedOneOfEach(db);
    const other = {
      ...tasks,
      id: newId('task'),
      node_id: tasks.strand_node_id ?? '',
      key: 'one/12',
      number: '（12）',
      title: '完成100%覆盖的5G网络',
      search_text: buildSearchText(['（12）', '完成100%覆盖的5G网络', '区科委']),
    };
    await db.insertInto('tasks').values(other).execute();
    const find = async (needle: string) =>
      (
        await db
          .selectFrom('tasks')
          .select('number')
          .where('workspace_id', '=', tasks.workspace_id)
          .where(containsText(dialect, 'tasks.search_text', needle))
          .orderBy('position')
          .execute()
      ).map((row) => row.number);

    expect(await find('特色产业')).toEqual(['（11）']);
    expect(await find('区经委')).toEqual(['（11）']);
    expect(await find('（11）')).toEqual(['（11）']);
    expect(await find('5g')).toEqual(['（12）']);
    expect(await find('100%')).toEqual(['（12）']);
    expect(await find('0%覆')).toEqual(['（12）']);
    expect(await find('%')).toEqual(['（12）']);
    expect(await find('_')).toEqual([]);
    expect(await find('网络建设')).toEqual([]);
  });

  if (dialect !== 'postgres') return;
  it('has a trigram index that ILIKE uses, when pg_trgm is available (required in CI)', async (context) => {
    const { db } = database();
    const available = await sql`select 1 from pg_available_extensions where name = 'pg_trgm'`.execute(db);
    if (available.rows.length === 0) {
      // Outside CI a server without the contrib package skips this one check, saying so; in CI it is a failure.
      expect(isCi, 'pg_trgm 不可用（install postgresql-contrib）').toBe(false);
      context.skip('pg_trgm 不可用，跳过三元组索引检查（install postgresql-contrib）');
    }
    const plan = await db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      return sql<{ 'QUERY PLAN': string }>`explain select id from tasks where search_text ilike ${containsPattern(
        '特色产业园',
      )}`.execute(trx);
    });
    expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('tasks_search_text_trgm_idx');
  });
});

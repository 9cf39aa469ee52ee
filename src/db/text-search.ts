/**
 * Substring search that works for Chinese, where there are no spaces to split words on: `tasks.search_text` holds
 * the task's number, title, heading path and unit names, normalised; a query matches when the normalised needle
 * occurs anywhere in it. SQLite uses `LIKE` (a scan of the workspace's rows, ASCII case-insensitive); PostgreSQL
 * uses `ILIKE`, which a pg_trgm GIN index serves when migration 0002 could create one (needles of 3+ characters).
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { DialectName } from './dialect.ts';

/**
 * The form both sides of a search are compared in: NFKC (full-width letters, digits and brackets become their
 * ASCII forms, so "（11）" finds "(11)"), lower case, runs of white space as one space.
 *
 * @example normalizeSearchText('（11）推进  ＡＩ产业') // '(11)推进 ai产业'
 */
export function normalizeSearchText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Joins the parts of a task worth finding it by into one search_text value. */
export function buildSearchText(parts: readonly (string | null | undefined)[]): string {
  return normalizeSearchText(parts.filter((part) => part !== null && part !== undefined && part !== '').join(' '));
}

/** `%needle%` with LIKE's wildcards in the needle escaped, so "100%" means the text "100%". */
export function containsPattern(needle: string): string {
  return `%${normalizeSearchText(needle).replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * A WHERE condition: `column` contains `needle` (after normalisation).
 *
 * @example db.selectFrom('tasks').where(containsText(dialect, 'tasks.search_text', '特色产业'))
 */
export function containsText(dialect: DialectName, column: string, needle: string): RawBuilder<SqlBool> {
  const operator = dialect === 'postgres' ? sql`ilike` : sql`like`;
  return sql<SqlBool>`${sql.ref(column)} ${operator} ${containsPattern(needle)} escape '\\'`;
}

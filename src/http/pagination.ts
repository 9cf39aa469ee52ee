/**
 * The server's side of cursor pagination (the schemas and the cursor format are in schemas/pagination.ts, shared
 * with the web client). A list query orders by its sort key, starts after the decoded cursor, and fetches
 * `limit + 1` rows: the extra row only tells whether there is a next page.
 */
import { encodeCursor, type CursorKey, type Page } from './schemas/pagination.ts';

export {
  PAGE_LIMIT,
  decodeCursor,
  encodeCursor,
  pageQuerySchema,
  pageSchema,
  type CursorKey,
  type Page,
} from './schemas/pagination.ts';

/** How many rows a list query fetches for a page of `limit` items. */
export function rowsToFetch(limit: number): number {
  return limit + 1;
}

/**
 * Turns up to `limit + 1` rows, in sort order, into a page: the first `limit` items, and a cursor made from the last
 * of them when more rows followed.
 *
 * @example
 * const rows = await findTasks(db, { after: query.cursor, limit: rowsToFetch(query.limit) });
 * return toPage(rows, query.limit, (row) => [row.due_date, row.id], toTask);
 */
export function toPage<Row, Item>(
  rows: readonly Row[],
  limit: number,
  sortKeyOf: (row: Row) => CursorKey,
  toItem: (row: Row) => Item,
): Page<Item> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  const hasMore = rows.length > limit && last !== undefined;
  return { items: pageRows.map(toItem), nextCursor: hasMore ? encodeCursor(sortKeyOf(last)) : null };
}

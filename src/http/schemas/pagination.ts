/**
 * Cursor pagination, shared by the server and the web client. A list answers `{ items, nextCursor }`; the client
 * passes `nextCursor` back as `?cursor=` for the next page, until it is null. The cursor is the last item's sort key
 * (for example `[dueDate, id]`) as JSON in base64url: opaque to clients, who must not build or read one.
 *
 * Keyset (not offset) pagination: a page costs the same at the millionth row, and rows inserted meanwhile do not
 * shift the pages a client is walking.
 */
import { z } from 'zod';

export const PAGE_LIMIT = Object.freeze({ min: 1, max: 200, default: 50 });

/** A sort key: the values of the sort columns of the last row of a page, ending with its id so that it is unique. */
export type CursorKey = readonly (string | number | null)[];

// Long enough for a few dates and ids; a longer one was not made by this server.
const MAX_CURSOR_LENGTH = 512;

/** Encodes a sort key as a cursor. Works in Node and in browsers (no Buffer). */
export function encodeCursor(key: CursorKey): string {
  const bytes = new TextEncoder().encode(JSON.stringify(key));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** Decodes a cursor into JSON, or returns undefined when it is not one this server could have made. */
export function decodeCursor(cursor: string): unknown {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    const binary = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

const INVALID_CURSOR = '分页游标无效，请从第一页重新开始（invalid cursor: start again from the first page）';

/**
 * The query of a paginated list: `cursor` (decoded and checked against `keySchema`; a bad one fails validation
 * naming `cursor`) and `limit` (1–200, default 50). Extend it with the list's filters.
 *
 * @example
 * const taskListQuery = pageQuerySchema(z.tuple([z.string(), z.string()])).extend({ unitId: z.string().optional() });
 */
export function pageQuerySchema<Key extends z.ZodType<CursorKey>>(keySchema: Key) {
  return z.object({
    cursor: z
      .string()
      .optional()
      .transform((cursor, ctx): z.output<Key> | undefined => {
        if (cursor === undefined || cursor === '') return undefined;
        const key = keySchema.safeParse(decodeCursor(cursor));
        if (!key.success) {
          ctx.addIssue({ code: 'custom', message: INVALID_CURSOR });
          return z.NEVER;
        }
        return key.data;
      })
      .describe('上一页返回的 nextCursor（the nextCursor of the previous page）'),
    limit: z.coerce
      .number()
      .int()
      .min(PAGE_LIMIT.min)
      .max(PAGE_LIMIT.max)
      .default(PAGE_LIMIT.default)
      .describe(`每页条数，${PAGE_LIMIT.min}–${PAGE_LIMIT.max}（items per page）`),
  });
}

/** The response of a paginated list of `itemSchema`. */
export function pageSchema<Item extends z.ZodType>(itemSchema: Item) {
  return z.object({
    items: z.array(itemSchema),
    nextCursor: z.string().nullable().describe('下一页的游标；null 表示已是最后一页（null on the last page）'),
  });
}

export interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

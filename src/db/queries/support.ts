/**
 * Helpers the query modules share. Multi-row inserts go in slices: SQLite allows 32 766 bound parameters in one
 * statement and PostgreSQL 65 535, and a plan with a few thousand tasks of ~16 columns would pass the first.
 */
export const INSERT_CHUNK_ROWS = 500;

export function chunks<T>(rows: readonly T[], size = INSERT_CHUNK_ROWS): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** Runs a read per slice of distinct ids (bound parameters stay under the limits) and concatenates the rows. */
export async function bySlices<T>(ids: readonly string[], read: (slice: string[]) => Promise<T[]>): Promise<T[]> {
  const rows: T[] = [];
  for (const slice of chunks([...new Set(ids)])) rows.push(...(await read(slice)));
  return rows;
}

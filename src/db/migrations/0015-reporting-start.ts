/**
 * The date reporting starts (报送起始日), per plan, set by the plan office: periods before it are not expected, so
 * a plan loaded years into its horizon does not open with every past period missing. Null until the office sets
 * it; the default is then the later of the plan's start and its confirmation (src/services/report-periods.ts).
 *
 * The same code on SQLite and PostgreSQL. Like every released migration, this file does not change once released.
 */
import { transactional } from './support.ts';

export const up = transactional(async (db) => {
  await db.schema.alterTable('plans').addColumn('reporting_starts_on', 'text').execute();
});

export const down = transactional(async (db) => {
  await db.schema.alterTable('plans').dropColumn('reporting_starts_on').execute();
});

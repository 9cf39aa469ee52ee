/**
 * Every migration, listed here by hand: the Migrator gets them from this record, never by scanning a folder at
 * run time (which breaks under bundlers and tsx alike). Names sort in the order they run; add new ones at the end.
 */
import type { Migration } from 'kysely';
import * as initial from './0001-initial.ts';
import * as taskSearch from './0002-task-search.ts';
import * as removedInVersion from './0003-removed-in-version.ts';

export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': initial,
  '0002-task-search': taskSearch,
  '0003-removed-in-version': removedInVersion,
});

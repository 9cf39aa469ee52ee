/**
 * The browser project's globalSetup: builds the web app once per run, when dist/web is missing or older than its
 * sources (scripts/build.ts). Nothing to build where the browser tests are skipped (no Chromium, outside CI).
 */
import { existsSync } from 'node:fs';
import { buildWeb } from '../../scripts/build.ts';
import { isCi } from './ci.ts';

// As test/helpers/chromium.ts decides (not imported: it uses vitest's `describe`, which needs a test file).
const CHROMIUM_PATH = '/usr/bin/chromium';

export default async function setup(): Promise<void> {
  if (!isCi && !existsSync(CHROMIUM_PATH)) return;
  await buildWeb({ ifStale: true, quiet: true });
}

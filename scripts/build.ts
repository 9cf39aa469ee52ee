/**
 * Builds the web app with Vite (web/ → dist/web). `npm run build` always builds; `npm start` runs it with
 * `--if-stale` first, which builds only when dist/web is missing or older than a file under web/ (the generated API
 * types, web/src/api/schema.d.ts, among them). The test run's globalSetup does the same (test/helpers/browser-setup.ts).
 *
 *   npm run build
 *   tsx scripts/build.ts --if-stale
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));
const OUT_INDEX = fileURLToPath(new URL('../dist/web/index.html', import.meta.url));

async function newestSourceTime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? await newestSourceTime(path) : (await stat(path)).mtimeMs;
    newest = Math.max(newest, time);
  }
  return newest;
}

/** Whether dist/web is missing or older than its sources. */
export async function isWebBuildStale(): Promise<boolean> {
  let built: number;
  try {
    built = (await stat(OUT_INDEX)).mtimeMs;
  } catch {
    return true;
  }
  return (await newestSourceTime(WEB_DIR)) > built;
}

/** Builds the web app into dist/web; `ifStale` skips a build that is up to date. Returns whether it built. */
export async function buildWeb(options: { ifStale?: boolean; quiet?: boolean } = {}): Promise<boolean> {
  if (options.ifStale === true && !(await isWebBuildStale())) return false;
  // Imported here: a server start that finds the build fresh does not load Vite at all.
  const { build } = await import('vite');
  await build({ configFile: join(WEB_DIR, 'vite.config.ts'), logLevel: options.quiet === true ? 'warn' : 'info' });
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  try {
    const built = await buildWeb({ ifStale });
    if (!built) console.log('网页已是最新，无需构建（dist/web is up to date）');
  } catch (error) {
    console.error(`网页构建失败（the web build failed）: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

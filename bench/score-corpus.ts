// npm run score:corpus [-- --blind] [-- --misses] [-- --doc ID] — the parser on the real-plan corpus of issue 12
// (test/corpus/docs/<id>/: source, gold.json, meta.json with `part`). Each document is read the way an upload is
// (readDocument), parsed, and scored against its gold with test/helpers/score.ts, the project's port of
// /work/shared/tools/score-plan.mjs (same alignment, same figures; the port has no `untasked_targets` fallback,
// which no corpus gold uses). Prints per document and as means: tasks P/R/F1, titles, unit sets, roles, targets
// and metadata, beside the naive baseline (bench/naive-baseline.ts) and the issue's aims.
//
// The blind part is scored only at the end of a piece of parser work, and never with --misses: its documents are
// not looked at while the parser changes (CONVENTIONS.md).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readDocument } from '../src/importer/read/index.ts';
import { parsePlan } from '../src/importer/parse/index.ts';
import type { PlanDraft } from '../src/domain/plan-draft.ts';
import { scorePlan, type Gold, type Score } from '../test/helpers/score.ts';
import { naiveParse } from './naive-baseline.ts';

const DOCS = join(import.meta.dirname, '../test/corpus/docs');
const AIMS = { taskF1: 0.98, units: 0.97, targetF1: 0.9 };

interface Meta {
  id: string;
  part: 'dev' | 'blind';
  format?: string;
}

const args = process.argv.slice(2);
const part = args.includes('--blind') ? 'blind' : 'dev';
const showMisses = args.includes('--misses');
const only = args.includes('--doc') ? args[args.indexOf('--doc') + 1] : undefined;
if (part === 'blind' && (showMisses || only)) {
  console.error('score:corpus: --misses and --doc are for the dev part only (the blind part is never looked into)');
  process.exit(2);
}

async function draftOf(dir: string, meta: Meta): Promise<{ text: string; draft: PlanDraft }> {
  const file = readdirSync(dir).find((f) => f.startsWith('source.'));
  if (!file) throw new Error(`${meta.id}: no source file`);
  const source = await readDocument(new Uint8Array(readFileSync(join(dir, file))), file, {
    maxBytes: 20 * 1024 * 1024,
  });
  return { text: source.text, draft: parsePlan(source.text) };
}

interface Row {
  id: string;
  score: Score;
  naive: Score;
  ms: number;
}

const rows: Row[] = [];
for (const id of readdirSync(DOCS).sort()) {
  const dir = join(DOCS, id);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
  if (meta.part !== part || (only && id !== only)) continue;
  const gold = JSON.parse(readFileSync(join(dir, 'gold.json'), 'utf8')) as Gold;
  const t0 = performance.now();
  const { text, draft } = await draftOf(dir, meta);
  const ms = performance.now() - t0;
  rows.push({ id, score: scorePlan(gold, draft), naive: scorePlan(gold, naiveParse(text)), ms });
}
if (rows.length === 0) {
  console.error(`score:corpus: no ${part} document${only ? ` named ${only}` : ''}`);
  process.exit(2);
}

const f = (x: number) => x.toFixed(3);
const mean = (pick: (s: Score) => number, of: 'score' | 'naive' = 'score') =>
  rows.reduce((sum, r) => sum + pick(r[of]), 0) / rows.length;
const header = ['document', 'tasks P', 'R', 'F1', 'titles', 'unit sets', 'roles', 'targets', 'meta'];
const line = (s: Score) => [
  f(s.taskPrecision),
  f(s.taskRecall),
  f(s.taskF1),
  f(s.titles),
  f(s.units),
  f(s.roles),
  f(s.targetF1),
  `${s.meta}/${s.metaOf}`,
];
const body = rows.map((r) => [r.id, ...line(r.score)]);
const means = (of: 'score' | 'naive') => [
  f(mean((s) => s.taskPrecision, of)),
  f(mean((s) => s.taskRecall, of)),
  f(mean((s) => s.taskF1, of)),
  f(mean((s) => s.titles, of)),
  f(mean((s) => s.units, of)),
  f(mean((s) => s.roles, of)),
  f(mean((s) => s.targetF1, of)),
  f(mean((s) => (s.metaOf ? s.meta / s.metaOf : 1), of)),
];
const footer = [
  [`mean (${rows.length} ${part})`, ...means('score')],
  ['naive baseline (mean)', ...means('naive')],
  ['aim (issue 12)', '', '', f(AIMS.taskF1), '', f(AIMS.units), '', f(AIMS.targetF1), ''],
];
const widths = header.map((h, i) => Math.max(h.length, ...[...body, ...footer].map((r) => (r[i] ?? '').length)));
const print = (cells: string[]) => console.log(cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '));
print(header);
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
body.forEach(print);
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
footer.forEach(print);
const below = (['taskF1', 'units', 'targetF1'] as const).filter((k) => mean((s) => s[k]) + 1e-12 < AIMS[k]);
console.log(
  `\n${part} part: ${below.length ? `under the aim on ${below.join(', ')}` : 'every aim met'}; ` +
    `parse ${rows.reduce((sum, r) => sum + r.ms, 0).toFixed(0)} ms in all (read + parse, one run). meta = share of ` +
    'the gold’s title, 文号, issuer and date found.',
);
if (showMisses) {
  for (const r of rows) {
    if (r.score.misses.length === 0) continue;
    console.log(`\n## ${r.id}`);
    for (const m of r.score.misses) console.log(`  ${m}`);
  }
}

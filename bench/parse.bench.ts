// npm run bench:parse — parser speed on the example plan and on synthetic plans of 100 KB, 1 MB and 10 MB,
// beside the floor: one bare pass over the same bytes (UTF-8 decode + one regex scan).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlan } from '../src/importer/parse/index.ts';
import { syntheticPlan } from './synthetic-plan.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function time(fn: () => unknown, runs: number, warmup: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/** The floor: decode the bytes and scan them once with a regex, as any parser at least must. */
function floor(bytes: Uint8Array): number {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  return text.match(/[（(]\d+[）)]/g)?.length ?? 0;
}

const example = readFileSync(join(import.meta.dirname, '../examples/jinshan-hongqiao-2021.md'));
const cases: { name: string; bytes: Uint8Array; runs: number }[] = [
  { name: 'example (金府发〔2021〕1号)', bytes: example, runs: 51 },
  { name: 'synthetic 100 KB', bytes: new TextEncoder().encode(syntheticPlan(100 * 1024)), runs: 21 },
  { name: 'synthetic 1 MB', bytes: new TextEncoder().encode(syntheticPlan(1024 * 1024)), runs: 11 },
  { name: 'synthetic 10 MB', bytes: new TextEncoder().encode(syntheticPlan(10 * 1024 * 1024)), runs: 5 },
];

const rows: string[][] = [];
// Growth is measured against the smallest synthetic plan: same shape, so ms/MB stays flat when parsing is linear.
let first: { mb: number; ms: number } | null = null;
for (const c of cases) {
  const mb = c.bytes.length / 1024 / 1024;
  const decode = () => parsePlan(new TextDecoder('utf-8', { fatal: true }).decode(c.bytes));
  const tasks = decode().tasks.length;
  const ms = time(decode, c.runs, c.runs > 10 ? 10 : 1);
  const floorMs = time(() => floor(c.bytes), c.runs, c.runs > 10 ? 10 : 1);
  const synthetic = c !== cases[0];
  if (synthetic) first ??= { mb, ms };
  const growth = synthetic && first ? (ms / first.ms / (mb / first.mb)).toFixed(2) : '—';
  rows.push([
    c.name,
    `${(c.bytes.length / 1024).toFixed(0)} KB`,
    String(tasks),
    ms.toFixed(2),
    (mb / (ms / 1000)).toFixed(1),
    floorMs.toFixed(2),
    (ms / floorMs).toFixed(1),
    growth,
  ]);
}

const header = ['input', 'size', 'tasks', 'parse ms (median)', 'MB/s', 'floor ms', '× floor', 'ms/MB vs 100 KB'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
console.log(
  '\naim: example ≤ 10 ms; ms/MB roughly flat (linear growth); within 20× of the floor (decode + one regex scan).',
);

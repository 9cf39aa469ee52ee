// npm run bench:parse — parser speed on the example plan and on synthetic plans of 100 KB, 1 MB and 10 MB,
// beside the floor: one bare pass over the same bytes (UTF-8 decode + one regex scan). Then the whole import
// (read + parse) of the example as .md, .docx and .pdf, in process and in the reader thread every upload goes
// through (issue 9, finding 5): the thread's start, and what each document pays on top once it runs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DocumentReader, importDocument, importDocumentInWorker } from '../src/importer/index.ts';
import { parsePlan } from '../src/importer/parse/index.ts';
import { CHROMIUM_PATH, launchPdfPrinter } from '../test/helpers/chromium.ts';
import { blocksOf, docxOf, htmlOf } from '../test/helpers/render-plan.ts';
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

function printTable(header: string[], body: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
}

printTable(['input', 'size', 'tasks', 'parse ms (median)', 'MB/s', 'floor ms', '× floor', 'ms/MB vs 100 KB'], rows);
console.log(
  '\naim: example ≤ 10 ms; ms/MB roughly flat (linear growth); within 20× of the floor (decode + one regex scan).',
);

async function timeAsync(fn: () => Promise<unknown>, runs: number, warmup: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/** The example in each format an upload arrives in; the PDF only where Chromium is installed to print it. */
async function exampleDocuments(): Promise<{ name: string; bytes: Uint8Array }[]> {
  const blocks = blocksOf(example.toString('utf8'));
  const documents = [
    { name: 'example.md', bytes: new Uint8Array(example) },
    { name: 'example.docx', bytes: await docxOf(blocks) },
  ];
  if (!existsSync(CHROMIUM_PATH)) {
    console.log(`\n(no ${CHROMIUM_PATH}: the PDF row is left out)`);
    return documents;
  }
  const printer = await launchPdfPrinter();
  try {
    documents.push({ name: 'example.pdf', bytes: await printer.printPdf(htmlOf(blocks), { pageNumbers: true }) });
  } finally {
    await printer.close();
  }
  return documents;
}

const documents = await exampleDocuments();
// A fresh reader's first job pays for starting its thread (tsx while the sources are TypeScript, the importer's
// modules, pdf.js); the server's reader is started once and kept, so later jobs pay only the hand-over.
const readerRows: string[][] = [];
const coldStarts: number[] = [];
for (let i = 0; i < 3; i++) {
  const fresh = new DocumentReader();
  const t0 = performance.now();
  await importDocumentInWorker(example, 'example.md', { reader: fresh });
  coldStarts.push(performance.now() - t0);
  await fresh.close();
}
const reader = new DocumentReader();
for (const document of documents) {
  const runs = document.name.endsWith('.pdf') ? 7 : 21;
  const inProcess = await timeAsync(() => importDocument(document.bytes, document.name), runs, 3);
  const inThread = await timeAsync(() => importDocumentInWorker(document.bytes, document.name, { reader }), runs, 3);
  readerRows.push([
    document.name,
    `${(document.bytes.length / 1024).toFixed(0)} KB`,
    inProcess.toFixed(1),
    inThread.toFixed(1),
    (inThread - inProcess).toFixed(1),
  ]);
}
await reader.close();
console.log('\nimport (read + parse), in process and in the reader thread');
printTable(['input', 'size', 'in process ms (median)', 'reader thread ms (median)', 'added ms'], readerRows);
console.log(
  `\nstarting a reader thread (its first job, example.md, included): median ${median(coldStarts).toFixed(0)} ms of ` +
    `${coldStarts.map((ms) => ms.toFixed(0)).join(', ')}; paid once per process, not per upload.`,
);

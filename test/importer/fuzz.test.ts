// Property-based fuzzing of the importer over mutated plans and random bytes. Properties: nothing throws but a
// typed ImportError; every task's source offsets lie in the text and its slice holds the task's title. Each
// input runs in a worker with a generous time limit: a guard against hangs, not a speed test.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportErrorCode } from '../../src/importer/index.ts';
import { isCi } from '../helpers/ci.ts';
import type { FuzzReply } from './fuzz-worker.ts';

const HANG_LIMIT_MS = 10_000;
// Locally every run explores new inputs (a failure prints its seed to replay); CI replays a fixed seed, so that a
// submission lands or not on its own merits. FUZZ_SEED=random in CI explores there too.
const FUZZ_SEED =
  process.env.FUZZ_SEED === 'random' || !isCi ? {} : { seed: Number(process.env.FUZZ_SEED ?? 20261129) };
const CODES: ImportErrorCode[] = [
  'empty',
  'too-large',
  'binary',
  'unsupported-format',
  'corrupt-docx',
  'corrupt-pdf',
  'encrypted-pdf',
  'no-text-layer',
  'not-a-plan',
  'resource-limit',
];

const fixtureDir = join(import.meta.dirname, '../fixtures/plans');
const plans = [
  readFileSync(join(import.meta.dirname, '../../examples/jinshan-hongqiao-2021.md'), 'utf8'),
  ...readdirSync(fixtureDir)
    .filter((f) => /\.(md|txt)$/.test(f))
    .map((f) => readFileSync(join(fixtureDir, f), 'utf8')),
];

let worker: Worker;
let ready: Promise<void>;
let nextId = 0;

/** A worker that loads the TypeScript sources through tsx (Node 20 takes no --import hooks in workers). */
function startWorker(): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const target = new URL('./fuzz-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(target)}); })`;
  const started = new Worker(boot, { eval: true });
  ready = new Promise((resolve, reject) => {
    started.once('message', () => resolve());
    started.once('error', reject);
  });
  return started;
}

/** Runs one input in the worker; a hang fails with the input's size, and the worker is replaced. */
async function run(bytes: Uint8Array, name: string): Promise<FuzzReply> {
  await ready;
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.removeListener('message', onMessage);
      void worker.terminate();
      worker = startWorker();
      reject(new Error(`importer hung for ${HANG_LIMIT_MS} ms on a ${bytes.length}-byte input named ${name}`));
    }, HANG_LIMIT_MS);
    const onMessage = (reply: FuzzReply) => {
      if (reply.id !== id) return;
      clearTimeout(timer);
      worker.removeListener('message', onMessage);
      resolve(reply);
    };
    worker.on('message', onMessage);
    worker.postMessage({ id, bytes, name });
  });
}

const norm = (s: string) =>
  s
    .split(/\r?\n|\r|\f/)
    .filter(
      (l) => !/^\s*(?:-{3,}|\*{3,}|_{3,}|={3,}|[-—－–~·]\s*\d{1,4}\s*[-—－–~·]|\d{1,3}|第\s*\d+\s*页.*)\s*$/.test(l),
    )
    .join('')
    .normalize('NFKC')
    .replace(/[\s*#>|`_]/g, '');

function checkDraft(reply: Extract<FuzzReply, { ok: true }>): void {
  for (const task of reply.draft.tasks) {
    const { start, end } = task.source;
    expect(Number.isInteger(start) && Number.isInteger(end)).toBe(true);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThanOrEqual(start);
    expect(end).toBeLessThanOrEqual(reply.text.length);
    expect(norm(reply.text.slice(start, end))).toContain(norm(task.title));
  }
  for (const w of reply.draft.warnings) expect(w.at).toBeLessThanOrEqual(reply.text.length);
}

function checkError(reply: Extract<FuzzReply, { ok: false }>): void {
  expect(reply.importError, reply.message).toBe(true);
  expect(CODES).toContain(reply.code);
}

const PIECES = [
  '（',
  '）',
  '(',
  ')',
  '**',
  '\n',
  '\n\n',
  '\f',
  '\n---\n',
  '\n— 3 —\n',
  '一、',
  '（一）',
  '1.',
  '1．',
  '（1）',
  '①',
  '牵头单位：',
  '配合单位：',
  '责任单位：',
  '列第一位者为牵头单位，下同',
  '、',
  '。',
  '，',
  '；',
  '到2025年',
  '“十四五”期间',
  '800亿元',
  '3-5家',
  '千亿级',
  '约',
  '以上',
  '| ',
  ' |',
  '\t',
  '“',
  '”',
  '《',
  '》',
  ' ',
  '# ',
  '\r\n',
  '\u0000',
  '𠮷',
  '专栏1 主要指标\n| 指标 | 单位 | 2020年 | 2025年 |\n',
  '抄送：',
  '20',
  '.',
  '级',
];

type Edit =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 6 }).map((p) => p.join('')),
      fc.string(),
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function apply(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of edits) {
    const at = out.length === 0 ? 0 : e.at % (out.length + 1);
    if (e.kind === 'insert') out = out.slice(0, at) + e.text + out.slice(at);
    else if (e.kind === 'delete') out = out.slice(0, at) + out.slice(at + e.length);
    else if (e.kind === 'duplicate')
      out = out.slice(0, at + e.length) + out.slice(at, at + e.length) + out.slice(at + e.length);
    else if (out.length > 0 && e.at % 4 === 0) out = out.slice(0, at);
  }
  return out;
}

describe('importer fuzzing', () => {
  beforeAll(() => {
    worker = startWorker();
  });
  afterAll(async () => {
    await worker.terminate();
  });

  it('mutated plans: no throw but typed errors; offsets in range; each task’s slice holds its title', async () => {
    let runs = 0;
    let withTasks = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...plans.keys()),
        fc.array(edit, { maxLength: 12 }),
        fc.constantFrom('plan.md', 'plan.txt'),
        async (which, edits, name) => {
          const text = apply(plans[which] ?? '', edits);
          const reply = await run(new TextEncoder().encode(text), name);
          runs++;
          if (reply.ok && reply.draft.tasks.length > 0) withTasks++;
          if (reply.ok) checkDraft(reply);
          else checkError(reply);
        },
      ),
      { numRuns: 250, ...FUZZ_SEED },
    );
    // The properties mean something only if most mutated plans still parse into tasks.
    expect(withTasks / runs).toBeGreaterThan(0.5);
  }, 300_000);

  it('random and damaged bytes under any name: only typed errors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 4096 }),
          fc.uint8Array({ maxLength: 512 }).map((b) => new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, ...b])),
          fc.uint8Array({ maxLength: 512 }).map((b) => new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...b])),
        ),
        fc.constantFrom('a.md', 'a.txt', 'a.docx', 'a.pdf', 'a.doc', 'noext'),
        async (bytes, name) => {
          const reply = await run(bytes, name);
          if (reply.ok) checkDraft(reply);
          else checkError(reply);
        },
      ),
      { numRuns: 200, ...FUZZ_SEED },
    );
  }, 300_000);
});

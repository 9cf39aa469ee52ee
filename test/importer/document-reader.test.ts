// Finding 5 of issue 9 (decompression bomb): every document is read in a reader thread with a memory limit and a
// time budget. The bombs are crafted in test/helpers/bombs.ts. No test here depends on how fast the machine is: the
// memory limits are limits of size, and the time budget is ended by the test itself through an injected timer.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DocumentReader,
  ImportError,
  importDocument,
  importDocumentInWorker,
  type DocumentReaderOptions,
  type ReaderBudget,
} from '../../src/importer/index.ts';
import { docxBomb, pdfFlateBomb } from '../helpers/bombs.ts';
import { docxFromBodyXml } from '../helpers/docx.ts';

const EXAMPLE_NAME = 'jinshan-hongqiao-2021.md';
const EXAMPLE = readFileSync(new URL(`../../examples/${EXAMPLE_NAME}`, import.meta.url));
const PLAN_DOCX = docxFromBodyXml(
  '<w:p><w:r><w:t>一、重点任务</w:t></w:r></w:p>' +
    '<w:p><w:r><w:t>（一）建设滨海特色会展区。牵头单位：区文旅局。</w:t></w:r></w:p>' +
    '<w:p><w:r><w:t>（二）推进产业园区转型。牵头单位：区经委；配合单位：枫泾镇。</w:t></w:r></w:p>',
);
const MIB = 1024 * 1024;

const readers: DocumentReader[] = [];
function makeReader(budget: Partial<ReaderBudget> = {}, options: DocumentReaderOptions = {}): DocumentReader {
  const reader = new DocumentReader({ timeLimitMs: 60_000, memoryMb: 128, ...budget }, options);
  readers.push(reader);
  return reader;
}
afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.close()));
});

async function refusal(promise: Promise<unknown>): Promise<ImportError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ImportError);
  const importError = error as ImportError;
  expect(importError.message).not.toContain('\n');
  expect(importError.message).toMatch(/^[^（]*[\u4e00-\u9fff][^（]*（[^（）]+）$/u);
  return importError;
}

describe('finding 5: decompression bomb — every document is read in a reader thread', () => {
  it('reads plans in the thread exactly as in process, queued one at a time in one thread', async () => {
    const reader = makeReader({}, { preloadPdf: false });
    const kinds: string[] = [];
    reader.on('start', (kind) => kinds.push(kind));
    for (const [bytes, name] of [
      [EXAMPLE, EXAMPLE_NAME],
      [PLAN_DOCX, '方案.docx'],
    ] as const) {
      expect(await importDocumentInWorker(bytes, name, { reader })).toEqual(await importDocument(bytes, name));
    }
    // Sent together, they queue, and each gets its own answer; typed refusals cross the thread as they are.
    const [example, bomb, empty, docx] = await Promise.all([
      importDocumentInWorker(EXAMPLE, EXAMPLE_NAME, { reader }),
      refusal(importDocumentInWorker(docxBomb(), '实施方案.docx', { reader })),
      refusal(importDocumentInWorker(new Uint8Array([0x20]), 'a.txt', { reader })),
      importDocumentInWorker(PLAN_DOCX, '方案.docx', { reader }),
    ]);
    expect(example.draft.tasks).toHaveLength(48);
    expect(bomb.code).toBe('resource-limit');
    expect(bomb.message).toMatch(/^Word 文档中有部件的压缩比超过 100 倍，疑为压缩炸弹/);
    expect(empty.code).toBe('empty');
    expect(docx.draft.tasks.map((task) => task.number)).toEqual(['（一）', '（二）']);
    expect(kinds).toEqual(Array(6).fill('import-document'));
  });

  it('stops a FlateDecode-bomb PDF, which pdf.js inflates outside the heap, at the memory limit; reads on afterwards', async () => {
    const reader = makeReader({ memoryMb: 128 });
    const error = await refusal(importDocumentInWorker(pdfFlateBomb(), '实施方案.pdf', { reader }));
    expect(error.code).toBe('resource-limit');
    expect(error.message).toMatch(/^读取该文件所需内存超过 128 MB 的上限，已停止/);
    expect(reader.isReading).toBe(false);
    // A fresh thread takes the next document.
    const { draft } = await importDocumentInWorker(EXAMPLE, EXAMPLE_NAME, { reader });
    expect(draft.tasks).toHaveLength(48);
  });

  it('ends the thread when its JavaScript heap is full (resourceLimits), with the same line', async () => {
    // The process's memory is not watched here (one look an hour): only the heap limit can stop this job.
    const reader = makeReader({ memoryMb: 64 }, { memoryCheckMs: 3_600_000, preloadPdf: false });
    // 24 MB of numbered lines: decoded, split and parsed, they take several times that in the heap.
    const lines = Array.from(
      { length: 400_000 },
      (_, i) => `（${i + 1}）推进第${i + 1}项重点工作，牵头单位：区发改委。`,
    );
    const big = new TextEncoder().encode(`一、重点任务\n${lines.join('\n')}`);
    expect(big.length).toBeGreaterThan(20 * MIB);
    const error = await refusal(importDocumentInWorker(big, 'big.txt', { reader, maxBytes: 64 * MIB }));
    expect(error.code).toBe('resource-limit');
    expect(error.message).toMatch(/^读取该文件所需内存超过 64 MB 的上限/);
  });

  it('terminates a job past its time budget, whatever it is doing, and answers with one line', async () => {
    let timeUp: (() => void) | undefined;
    const reader = makeReader(
      { timeLimitMs: 5_000, memoryMb: 2048 },
      {
        // The test decides when the time is up: as soon as the thread has started on the (endless) bomb.
        startTimer: (_ms: number, onTimeUp: () => void) => {
          timeUp = onTimeUp;
          return () => (timeUp = undefined);
        },
      },
    );
    const started = once(reader, 'start');
    const reading = importDocumentInWorker(pdfFlateBomb(), '实施方案.pdf', { reader });
    await started;
    expect(reader.isReading).toBe(true);
    timeUp?.();
    const error = await refusal(reading);
    expect(error.code).toBe('resource-limit');
    expect(error.message).toBe('读取该文件超过 5 秒的时限，已停止（reading the file took longer than 5 s: stopped）');
    expect(reader.isReading).toBe(false);
    // The timer of an answered job is cancelled.
    expect(timeUp).toBeUndefined();
  });
});

// Finding 5 of issue 9 (decompression bomb): the guarded zip reader that every uploaded container goes through.
// Bombs are crafted here (test/helpers/bombs.ts): their central directory declares small sizes that are not true.
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { strToU8, zipSync, type ZipOptions } from 'fflate';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImportError, type ImportErrorCode } from '../../src/importer/errors.ts';
import { DOCX_FORMAT, readDocxParts } from '../../src/importer/read/docx-package.ts';
import { readDocument } from '../../src/importer/read/index.ts';
import { DEFAULT_ZIP_LIMITS, openZipContainer, type ZipContainer } from '../../src/importer/read/zip-container.ts';
import { GIB, deflatedEntry, docxBomb, rawZip } from '../helpers/bombs.ts';
import { docxFromBodyXml } from '../helpers/docx.ts';

const MIB = 1024 * 1024;
/** What one step of inflation may add past a cap: 8 KiB of input at deflate's best ratio (about 1032). */
const ONE_STEP = 8 * 1024 * 1032;
const OPTIONS = { maxBytes: 20 * MIB };

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal, got none');
}

function expectRefusal(error: unknown, code: ImportErrorCode, message?: RegExp): void {
  expect(error).toBeInstanceOf(ImportError);
  const importError = error as ImportError;
  expect(importError.code).toBe(code);
  // One clear line, Chinese first, English in brackets.
  expect(importError.message).not.toContain('\n');
  expect(importError.message).toMatch(/^[^（]*[\u4e00-\u9fff][^（]*（[^（）]+）$/u);
  if (message) expect(importError.message).toMatch(message);
}

/** A text that deflates only about 2-fold: its size, not its ratio, is what a test of the size caps exercises. */
function poorlyCompressible(bytes: number): string {
  return randomBytes(Math.ceil(bytes / 2))
    .toString('hex')
    .slice(0, bytes);
}

describe('finding 5: decompression bomb — the guarded zip reader', () => {
  it('refuses a .docx that declares 2 KB for a part inflating to 1 GiB, after inflating a few megabytes of it', async () => {
    const bomb = docxBomb(GIB);
    expect(bomb.length).toBeLessThan(2 * MIB);

    const zip = openZipContainer(bomb, DOCX_FORMAT);
    expect(zip.entries.find((entry) => entry.name === 'word/document.xml')?.declaredSize).toBe(2048);
    expectRefusal(
      thrown(() => zip.read('word/document.xml')),
      'resource-limit',
      /Word 文档中有部件的压缩比超过 100 倍，疑为压缩炸弹/,
    );
    // Bounded: the ratio is checked once the grace of 1 MB is passed, so the refusal comes within a step of it.
    expect(zip.inflatedBytes).toBeGreaterThan(DEFAULT_ZIP_LIMITS.ratioGraceBytes);
    expect(zip.inflatedBytes).toBeLessThanOrEqual(DEFAULT_ZIP_LIMITS.ratioGraceBytes + ONE_STEP);

    // The reader every upload goes through gives the same line.
    await expect(readDocument(bomb, '实施方案.docx', OPTIONS)).rejects.toMatchObject({
      code: 'resource-limit',
      message: expect.stringMatching(/疑为压缩炸弹/),
    });
  });

  it('caps one part and the whole container on the bytes really inflated, whatever the ratio', () => {
    // 3 MB of hex deflates only about 2-fold: no ratio check fires, the size caps must.
    const big = poorlyCompressible(3 * MIB);
    const honest = rawZip([deflatedEntry('a.xml', big)]);
    const part = openZipContainer(honest, DOCX_FORMAT, { maxPartBytes: 1 * MIB });
    expectRefusal(
      thrown(() => part.read('a.xml')),
      'resource-limit',
      /Word 文档中有部件解压后超过 1 MB 的上限/,
    );
    expect(part.inflatedBytes).toBeLessThanOrEqual(1 * MIB + ONE_STEP);
    // A reader's own, tighter cap for one part (a relationships part is kilobytes).
    expectRefusal(
      thrown(() => openZipContainer(honest, DOCX_FORMAT).read('a.xml', { maxBytes: 2 * MIB })),
      'resource-limit',
      /超过 2 MB/,
    );

    // Three parts of 600 KB, each under the part cap, together over the total.
    const three = rawZip(['a', 'b', 'c'].map((name) => deflatedEntry(`${name}.xml`, poorlyCompressible(600 * 1024))));
    const total = openZipContainer(three, DOCX_FORMAT, { maxPartBytes: 1 * MIB, maxTotalBytes: 1 * MIB });
    expect(total.read('a.xml')).toHaveLength(600 * 1024);
    expectRefusal(
      thrown(() => total.read('b.xml')),
      'resource-limit',
      /Word 文档解压后合计超过 1 MB 的上限/,
    );
    // validate() counts against the same total.
    expectRefusal(
      thrown(() => openZipContainer(three, DOCX_FORMAT, { maxTotalBytes: 1 * MIB }).validate()),
      'resource-limit',
      /合计超过 1 MB/,
    );
  });

  it('never trusts declared sizes: a part that inflates to other than it declares is refused as damage', () => {
    const text = '<w:document><w:body><w:p><w:r><w:t>实施方案</w:t></w:r></w:p></w:body></w:document>';
    const data = deflateRawSync(strToU8(text));
    for (const declaredSize of [10, text.length * 10]) {
      const lying = rawZip([{ name: 'word/document.xml', data, method: 8, declaredSize }]);
      expectRefusal(
        thrown(() => openZipContainer(lying, DOCX_FORMAT).read('word/document.xml')),
        'corrupt-docx',
      );
      expectRefusal(
        thrown(() => openZipContainer(lying, DOCX_FORMAT).validate()),
        'corrupt-docx',
      );
    }
  });

  it('refuses too many entries and over-long names before inflating anything', () => {
    const entries = Array.from({ length: DEFAULT_ZIP_LIMITS.maxEntries + 1 }, (_, i) => ({
      name: `word/media/${i}.bin`,
      data: new Uint8Array(0),
      method: 0 as const,
      declaredSize: 0,
    }));
    expectRefusal(
      thrown(() => openZipContainer(rawZip(entries), DOCX_FORMAT)),
      'resource-limit',
      /Word 文档包含超过 10000 个部件/,
    );
    // Exactly at the limit is fine.
    expect(openZipContainer(rawZip(entries.slice(1)), DOCX_FORMAT).entries).toHaveLength(10_000);

    const longName = `word/${'x'.repeat(DEFAULT_ZIP_LIMITS.maxNameBytes)}.xml`;
    expectRefusal(
      thrown(() => openZipContainer(rawZip([deflatedEntry(longName, '<a/>')]), DOCX_FORMAT)),
      'resource-limit',
      /部件名称超过 1024 字节/,
    );
  });

  it('refuses overlapping entries (one compressed run inflated once per entry) and duplicate names', () => {
    // b.txt's local header and data sit inside a.txt's stored data: both point into the same bytes.
    const inner = rawZip([deflatedEntry('b.txt', 'x'.repeat(1000))]);
    const innerEntry = inner.subarray(0, inner.length - 22 - (46 + 'b.txt'.length));
    const outer = rawZip([{ name: 'a.txt', data: innerEntry, method: 0, declaredSize: innerEntry.length }]);
    // Add b.txt to the central directory, pointing at the header inside a.txt.
    const withB = addCentralEntry(outer, inner, 30 + 'a.txt'.length);
    expectRefusal(
      thrown(() => openZipContainer(withB, DOCX_FORMAT)),
      'corrupt-docx',
    );
    // The same file without the second directory entry is a sound zip: the refusal is for the overlap alone.
    expect(() => openZipContainer(outer, DOCX_FORMAT).validate()).not.toThrow();

    const twice = rawZip([deflatedEntry('word/document.xml', '<a/>'), deflatedEntry('word/document.xml', '<b/>')]);
    expectRefusal(
      thrown(() => openZipContainer(twice, DOCX_FORMAT)),
      'corrupt-docx',
    );
  });

  it('reads honest zips exactly as written, stored or deflated at any level, and validates them', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            name: fc.stringMatching(/^[a-z][a-z0-9_/]{0,30}\.xml$/),
            text: fc.oneof(fc.string({ maxLength: 3000 }), fc.constant('<w:p/>'.repeat(2000))),
          }),
          { selector: (file) => file.name, minLength: 1, maxLength: 8 },
        ),
        fc.constantFrom<ZipOptions['level']>(0, 1, 6, 9),
        (files, level) => {
          const bytes = zipSync(Object.fromEntries(files.map((f) => [f.name, strToU8(f.text)])), { level });
          const zip = openZipContainer(bytes, DOCX_FORMAT);
          expect(zip.entries.map((entry) => entry.name)).toEqual(files.map((f) => f.name));
          zip.validate();
          for (const file of files) expect(new TextDecoder().decode(zip.read(file.name))).toBe(file.text);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('fuzz: damaged .docx and zip bytes give only typed refusals, and inflate no more than the caps', async () => {
    const docx = docxFromBodyXml(
      '<w:p><w:r><w:t>一、总体要求</w:t></w:r></w:p>'.repeat(50) +
        '<w:p><w:r><w:t>（一）加强组织领导。</w:t></w:r></w:p>',
    );
    const bomb = docxBomb(64 * MIB);
    const limits = { maxPartBytes: 4 * MIB, maxTotalBytes: 6 * MIB };
    const damage = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 64 }) }),
      fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(docx, bomb),
        fc.array(damage, { minLength: 1, maxLength: 6 }),
        async (base, edits) => {
          let bytes = base;
          for (const edit of edits) {
            const at = edit.at % (bytes.length + 1);
            if (edit.kind === 'flip') {
              bytes = bytes.slice();
              if (at < bytes.length) bytes[at] = edit.value;
            } else if (edit.kind === 'cut') {
              bytes = bytes.subarray(0, at);
            } else if (edit.kind === 'splice') {
              bytes = concat(bytes.subarray(0, at), edit.bytes, bytes.subarray(at));
            } else {
              bytes = concat(bytes.subarray(0, at), bytes.subarray(at + edit.length));
            }
          }
          let zip: ZipContainer | undefined;
          try {
            zip = openZipContainer(bytes, DOCX_FORMAT, limits);
            zip.validate();
          } catch (error) {
            expect(error).toBeInstanceOf(ImportError);
            expect(['corrupt-docx', 'resource-limit']).toContain((error as ImportError).code);
          }
          if (zip) expect(zip.inflatedBytes).toBeLessThanOrEqual(limits.maxTotalBytes + ONE_STEP);
          try {
            readDocxParts(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(ImportError);
            expect(['corrupt-docx', 'resource-limit', 'unsupported-format']).toContain((error as ImportError).code);
          }
          // Through the reader every upload goes through: only typed refusals.
          await readDocument(bytes, 'plan.docx', OPTIONS).catch((error: unknown) => {
            expect(error).toBeInstanceOf(ImportError);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * `outer` with one more central-directory entry: `inner`'s first entry, its local header at `offset` in `outer`.
 */
function addCentralEntry(outer: Uint8Array, inner: Uint8Array, offset: number): Uint8Array {
  const innerView = new DataView(inner.buffer, inner.byteOffset, inner.byteLength);
  const innerDirectory = innerView.getUint32(inner.length - 22 + 16, true);
  const innerDirectorySize = innerView.getUint32(inner.length - 22 + 12, true);
  const entry = inner.slice(innerDirectory, innerDirectory + innerDirectorySize);
  new DataView(entry.buffer).setUint32(42, offset, true);

  const view = new DataView(outer.buffer, outer.byteOffset, outer.byteLength);
  const end = outer.length - 22;
  const directory = view.getUint32(end + 16, true);
  const directorySize = view.getUint32(end + 12, true);
  const count = view.getUint16(end + 10, true);
  const out = concat(outer.subarray(0, end), entry, outer.subarray(end));
  const outView = new DataView(out.buffer);
  const newEnd = out.length - 22;
  outView.setUint16(newEnd + 8, count + 1, true);
  outView.setUint16(newEnd + 10, count + 1, true);
  outView.setUint32(newEnd + 12, directorySize + entry.length, true);
  outView.setUint32(newEnd + 16, directory, true);
  return out;
}

// `luoshi parse` as a user runs it: the real executable, its stdout, stderr and exit code.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docxBomb, pdfFlateBomb } from '../helpers/bombs.ts';

const BIN = join(import.meta.dirname, '../../bin/luoshi');
const EXAMPLE = join(import.meta.dirname, '../../examples/jinshan-hongqiao-2021.md');

function luoshi(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return luoshiWith({}, ...args);
}

function luoshiWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const options = { encoding: 'utf8' as const, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, ...env } };
    execFile(BIN, args, options, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function tempFile(name: string, content: string | Uint8Array): string {
  const file = join(mkdtempSync(join(tmpdir(), 'luoshi-cli-')), name);
  writeFileSync(file, content);
  return file;
}

/** One clear line on stderr, in Chinese first, with no stack trace. */
function expectOneLineError(stderr: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/[\u4e00-\u9fff]/);
  expect(stderr).not.toMatch(/\n\s+at |Error:/);
}

describe('luoshi parse', () => {
  it('prints the example’s ledger: metadata, goals, tasks with units and targets', async () => {
    const { code, stdout, stderr } = await luoshi('parse', EXAMPLE);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('金山区加快推进虹桥国际开放枢纽建设实施方案');
    expect(stdout).toContain('金府发〔2021〕1号  上海市金山区人民政府  2021-06-02  共 48 项任务');
    expect(stdout).toContain('（11） 打造千亿级高端绿色化工产业集群');
    expect(stdout).toContain('牵头：区经委、区投资促进办');
    expect(stdout).toContain('到2025年，特色产业产值规模达到800亿元 → ≥800亿元（2025年）');
    expect(stdout).toMatch(/需核对（\d+）/);
  });

  it('prints the JSON contract with --json', async () => {
    const { code, stdout } = await luoshi('parse', EXAMPLE, '--json');
    expect(code).toBe(0);
    const draft = JSON.parse(stdout) as Record<string, unknown> & { tasks: Record<string, unknown>[] };
    expect(Object.keys(draft).sort()).toEqual(['date', 'docNumber', 'goals', 'issuer', 'tasks', 'title', 'warnings']);
    expect(draft.tasks).toHaveLength(48);
    for (const task of draft.tasks) {
      expect(Object.keys(task).sort()).toEqual(['number', 'path', 'source', 'targets', 'title', 'units']);
    }
    expect(draft.tasks[0]).toMatchObject({
      number: '（1）',
      path: [
        '二、“十四五”期间重点任务',
        '（一）强化文化特色和旅游功能，建设滨海国际文旅商务区',
        '1.建设滨海专业会展功能带',
      ],
      title: '建设滨海特色会展区',
      units: { lead: ['新城区发展公司', '区文旅局'], support: [] },
      targets: [],
    });
  });

  it.each([
    ['an empty file', () => tempFile('empty.txt', ''), '为空'],
    [
      'binary bytes',
      () => tempFile('data.bin', new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))),
      '无法识别',
    ],
    [
      'a text with no numbered task',
      () => tempFile('note.txt', '会议纪要\n\n今天天气很好，大家讨论了工作安排。\n'),
      '不像一份实施方案',
    ],
    ['a truncated docx', () => tempFile('plan.docx', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])), 'docx'],
    [
      'a legacy .doc',
      () => tempFile('plan.doc', new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0])),
      '.docx',
    ],
  ])('refuses %s with one line and exit code 2', async (_what, make, words) => {
    const { code, stdout, stderr } = await luoshi('parse', make());
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expectOneLineError(stderr);
    expect(stderr).toContain(words);
  });

  it('refuses a file over the size cap', async () => {
    const { code, stderr } = await luoshi('parse', EXAMPLE, '--max-mb', '0.01');
    expect(code).toBe(2);
    expectOneLineError(stderr);
    expect(stderr).toContain('0.01 MB');
  });

  it('answers a missing file, a bad option and an unknown command with usage errors', async () => {
    for (const args of [['parse', '/nonexistent/plan.md'], ['parse', EXAMPLE, '--max-mb', 'abc'], ['frobnicate']]) {
      const { code, stderr } = await luoshi(...args);
      expect(code).toBe(2);
      expect(stderr).toMatch(/[\u4e00-\u9fff]/);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('finding 5: decompression bomb — luoshi parse reads in a reader thread too', () => {
  it.each([
    [
      'a .docx whose 2 KB part inflates to 1 GiB',
      () => tempFile('实施方案.docx', docxBomb()),
      /^luoshi: Word 文档中有部件的压缩比超过 100 倍，疑为压缩炸弹，已拒绝（.+）$/,
    ],
    [
      'a FlateDecode-bomb PDF',
      () => tempFile('实施方案.pdf', pdfFlateBomb()),
      /^luoshi: 读取该文件所需内存超过 128 MB 的上限，已停止；文件可能含有压缩炸弹（.+）$/,
    ],
  ])('refuses %s with one line and exit code 2', async (_what, make, line) => {
    const { code, stdout, stderr } = await luoshiWith({ IMPORT_MEMORY_MB: '128' }, 'parse', make());
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expectOneLineError(stderr);
    expect(stderr.trim()).toMatch(line);
  });
});

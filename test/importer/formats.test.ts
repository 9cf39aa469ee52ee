// The same plans in every form they arrive in — GB18030 text, Word .docx, PDF printed by Chromium — scored
// against the same gold as their Markdown or text originals.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDocument } from '../../src/importer/index.ts';
import { describeWithChromium, launchPdfPrinter, type PdfPrinter } from '../helpers/chromium.ts';
import { blocksOf, docxOf, htmlOf } from '../helpers/render-plan.ts';
import { scorePlan, type Gold } from '../helpers/score.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/plans');
const EXAMPLE = join(import.meta.dirname, '../../examples/jinshan-hongqiao-2021');

interface Plan {
  name: string;
  text: string;
  gold: Gold;
}

const plans: Plan[] = [
  {
    name: 'example',
    text: readFileSync(`${EXAMPLE}.md`, 'utf8'),
    gold: JSON.parse(readFileSync(`${EXAMPLE}.gold.json`, 'utf8')),
  },
  ...readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.gold.json'))
    .flatMap((goldFile) => {
      const base = goldFile.slice(0, -'.gold.json'.length);
      const ext = ['.md', '.txt'].find((e) => existsSync(join(FIXTURES, base + e)));
      if (!ext) return [];
      return [
        {
          name: base,
          text: readFileSync(join(FIXTURES, base + ext), 'utf8'),
          gold: JSON.parse(readFileSync(join(FIXTURES, goldFile), 'utf8')),
        },
      ];
    }),
];

async function scoreOf(bytes: Uint8Array, fileName: string, gold: Gold) {
  const { draft } = await importDocument(bytes, fileName);
  return scorePlan(gold, draft);
}

describe('GB18030 text', () => {
  it.each(plans.map((p) => [p.name, p] as const))('%s scores as its UTF-8 original', async (_name, plan) => {
    const score = await scoreOf(iconv.encode(plan.text, 'gb18030'), `${plan.name}.txt`, plan.gold);
    expect(score.misses).toEqual([]);
  });
});

describe('Word .docx', () => {
  it.each(plans.map((p) => [p.name, p] as const))('%s scores as its original', async (_name, plan) => {
    const score = await scoreOf(await docxOf(blocksOf(plan.text)), `${plan.name}.docx`, plan.gold);
    expect(score.misses).toEqual([]);
  });
});

describeWithChromium('PDF printed by Chromium, with page numbers in the footer', () => {
  let printer: PdfPrinter;
  beforeAll(async () => {
    printer = await launchPdfPrinter();
  });
  afterAll(async () => {
    await printer.close();
  });

  it.each(plans.map((p) => [p.name, p] as const))('%s', async (_name, plan) => {
    const pdf = await printer.printPdf(htmlOf(blocksOf(plan.text)), { pageNumbers: true });
    const score = await scoreOf(pdf, `${plan.name}.pdf`, plan.gold);
    expect(score.misses).toEqual([]);
  });
});

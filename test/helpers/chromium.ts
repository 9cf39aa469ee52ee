/**
 * Renders HTML to PDF with Debian's Chromium (`/usr/bin/chromium`) through playwright-core, so that PDF tests read
 * files produced by a real browser's print path (embedded CID fonts with ToUnicode maps), not hand-written PDFs.
 * Never downloads a browser: playwright-core only drives the executable given here.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { describe } from 'vitest';
import { isCi } from './ci.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Whether the suites that launch Chromium are skipped: on a machine without it, outside CI. In CI they run, and
 * fail on a missing browser (STYLE.md: a missing real component fails CI).
 */
export const skipWithoutChromium = !isCi && !existsSync(CHROMIUM_PATH);

/** The one line a skipped suite prints: what is missing and how to install it. */
export const CHROMIUM_MISSING_LINE = `跳过浏览器测试：没有 ${CHROMIUM_PATH}（no Chromium: apt-get install chromium fonts-noto-cjk; CI=true makes it required）`;

/**
 * `describe` for a suite that needs Chromium: skipped with {@link CHROMIUM_MISSING_LINE} where the browser is missing
 * outside CI.
 */
export function describeWithChromium(name: string, suite: () => void): void {
  if (skipWithoutChromium) console.warn(CHROMIUM_MISSING_LINE);
  describe.skipIf(skipWithoutChromium)(name, suite);
}

/** No network, no background services: the tests must not depend on (or wait for) anything outside the box. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** One Chromium for a whole test file; call {@link PdfPrinter.close} in `afterAll`. */
export interface PdfPrinter {
  /** Prints `html` to an A4 PDF and returns its bytes; `pageNumbers` adds a "— N —" footer as official documents have. */
  printPdf(html: string, options?: { pageNumbers?: boolean }): Promise<Uint8Array>;
  /** Takes a PNG screenshot of `html` rendered in a viewport of the given size. */
  screenshotPng(html: string, size: { width: number; height: number }): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * Starts a headless Chromium with a fresh profile in a temporary directory.
 *
 * @example
 * const printer = await launchPdfPrinter();
 * const pdf = await printer.printPdf('<h1>实施方案</h1>');
 * await printer.close();
 */
export async function launchPdfPrinter(): Promise<PdfPrinter> {
  const profileDir = await mkdtemp(join(tmpdir(), 'luoshi-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
  } catch (error) {
    await rm(profileDir, { recursive: true, force: true });
    throw error;
  }

  async function withPage<T>(html: string, use: (page: Awaited<ReturnType<BrowserContext['newPage']>>) => Promise<T>) {
    const page = await context.newPage();
    try {
      await page.setContent(html, { waitUntil: 'load' });
      return await use(page);
    } finally {
      await page.close();
    }
  }

  return {
    printPdf: (html, options) =>
      withPage(html, async (page) => {
        const footer = options?.pageNumbers
          ? {
              displayHeaderFooter: true,
              headerTemplate: '<span></span>',
              footerTemplate:
                '<div style="width:100%;text-align:center;font-size:14pt">— <span class="pageNumber"></span> —</div>',
              margin: { top: '37mm', bottom: '35mm', left: '28mm', right: '26mm' },
            }
          : {};
        return new Uint8Array(await page.pdf({ format: 'A4', printBackground: true, ...footer }));
      }),
    screenshotPng: (html, size) =>
      withPage(html, async (page) => {
        await page.setViewportSize(size);
        return new Uint8Array(await page.screenshot({ type: 'png' }));
      }),
    close: async () => {
      await context.close();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}

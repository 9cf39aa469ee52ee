// File names of attachments made safe (path parts, controls, bidi overrides, Windows' rules, 255 bytes), and the
// Content-Disposition header they are sent back in (RFC 6266: filename* in UTF-8 and an ASCII fallback).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FALLBACK_FILE_NAME,
  MAX_FILE_NAME_BYTES,
  contentDisposition,
  fileExtension,
  safeFileName,
} from '../../src/domain/file-names.ts';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('safeFileName', () => {
  it.each([
    ['验收报告.pdf', '验收报告.pdf'],
    ['2021年第三季度 进展报告（区经委）.docx', '2021年第三季度 进展报告（区经委）.docx'],
    // Path components: only the last one is kept, whichever separator.
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\Windows\\System32\\drivers\\etc\\hosts', 'hosts'],
    ['C:\\Users\\张三\\Desktop\\验收报告.pdf', '验收报告.pdf'],
    ['/var/www/html/../../报告.pdf', '报告.pdf'],
    ['报告.pdf/..', FALLBACK_FILE_NAME],
    ['..', FALLBACK_FILE_NAME],
    ['./.', FALLBACK_FILE_NAME],
    ['', FALLBACK_FILE_NAME],
    // Hidden files lose their leading dots; Windows' trailing dots and spaces go.
    ['.htaccess', 'htaccess'],
    ['...报告.pdf', '报告.pdf'],
    ['报告.pdf. . .', '报告.pdf'],
    ['  报告.pdf  ', '报告.pdf'],
    // Controls: NUL, tabs, CR/LF (header injection), DEL, C1.
    ['报告\u0000.pdf.exe', '报告 .pdf.exe'],
    ['a\r\nContent-Type: text-html\r\n.txt', 'a Content-Type_ text-html .txt'],
    ['报\t告\u007f\u0085.pdf', '报 告 .pdf'],
    // Bidi overrides and isolates, zero-width characters, BOM, line separators.
    ['报告\u202Efdp.exe', '报告fdp.exe'],
    ['invoice\u2066\u2067\u2068\u2069\u202A\u202B\u202C\u202D.pdf', 'invoice.pdf'],
    ['\uFEFF报\u200B告\u200D\u200E\u200F\u061C.pdf', '报告.pdf'],
    ['第一行\u2028第二行\u2029.txt', '第一行 第二行 .txt'],
    // Characters Windows forbids, and look-alike slashes.
    ['a<b>c:d"e|f?g*h.txt', 'a_b_c_d_e_f_g_h.txt'],
    ['2021／2022＼计划∕草案⁄稿.docx', '2021_2022_计划_草案_稿.docx'],
    // Windows device names, whatever the case or extension.
    ['CON', '_CON'],
    ['con.txt', '_con.txt'],
    ['NUL.tar.gz', '_NUL.tar.gz'],
    ['Com1.pdf', '_Com1.pdf'],
    ['lpt9 .csv', '_lpt9 .csv'],
    ['COM¹.txt', '_COM¹.txt'],
    ['CONSOLE.txt', 'CONSOLE.txt'],
    ['会议con.txt', '会议con.txt'],
    // Spaces of every kind become one space.
    ['验收\u3000\u3000报告\u00A0 .pdf', '验收 报告 .pdf'],
    // Unicode is normalised to NFC (e + combining acute → é), Chinese is kept.
    ['re\u0301sume\u0301.pdf', 'résumé.pdf'],
  ])('%j → %j', (raw, safe) => {
    expect(safeFileName(raw)).toBe(safe);
  });

  it('cuts long names to 255 bytes of UTF-8 between whole characters, keeping the extension', () => {
    const chinese = safeFileName(`${'关于推进虹桥国际开放枢纽建设的实施方案'.repeat(20)}.docx`);
    expect(bytes(chinese)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(bytes(chinese)).toBeGreaterThan(MAX_FILE_NAME_BYTES - 3);
    expect(chinese.endsWith('.docx')).toBe(true);
    expect(chinese.startsWith('关于推进虹桥国际开放枢纽建设的实施方案')).toBe(true);
    expect(chinese).not.toContain('\uFFFD');

    // An emoji of several code points (a family, joined by ZWJ — which is a format character and goes) and a
    // letter with a combining mark are never split.
    const accents = safeFileName(`${'e\u0301'.repeat(200)}.pdf`);
    expect(bytes(accents)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(accents).toBe(`${'é'.repeat(125)}.pdf`);
    const flags = safeFileName(`${'🇨🇳'.repeat(40)}.png`);
    expect(bytes(flags)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect([...flags.replace('.png', '')].length % 2).toBe(0);

    // Without a short extension the whole name is cut.
    const noExtension = safeFileName('报'.repeat(300));
    expect(noExtension).toBe('报'.repeat(85));
  });

  it('makes any string safe: one line, no separators, controls or bidi marks, 255 bytes at most', () => {
    const unsafe = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}/\\<>:"|?*]/u;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (raw) => {
        const safe = safeFileName(raw);
        expect(safe.length).toBeGreaterThan(0);
        expect(bytes(safe)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
        expect(safe).not.toMatch(unsafe);
        expect(safe).not.toMatch(/^[. ]|[. ]$/);
        expect(safe).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i);
        expect(safeFileName(safe)).toBe(safe);
      }),
      { numRuns: 500 },
    );
  });
});

describe('fileExtension', () => {
  it('is the last extension, lower case', () => {
    expect(fileExtension('验收报告.PDF')).toBe('pdf');
    expect(fileExtension('archive.tar.GZ')).toBe('gz');
    expect(fileExtension('README')).toBe('');
    expect(fileExtension('报告.')).toBe('');
  });
});

describe('contentDisposition', () => {
  it('gives the UTF-8 name in filename* and an ASCII fallback in filename', () => {
    expect(contentDisposition('attachment', '验收报告.pdf')).toBe(
      `attachment; filename="attachment.pdf"; filename*=UTF-8''%E9%AA%8C%E6%94%B6%E6%8A%A5%E5%91%8A.pdf`,
    );
    expect(contentDisposition('inline', 'photo 2021.png')).toBe(
      `inline; filename="photo 2021.png"; filename*=UTF-8''photo%202021.png`,
    );
    expect(contentDisposition('attachment', 'Résumé 简历.docx')).toBe(
      `attachment; filename="Resume _.docx"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%E7%AE%80%E5%8E%86.docx`,
    );
  });

  it('keeps quotes, backslashes, percent signs and semicolons out of the quoted fallback', () => {
    const value = contentDisposition('attachment', `it's 100% (draft); "final".txt`);
    expect(value).toBe(
      `attachment; filename="it's 100_ (draft)_ _final_.txt"; ` +
        `filename*=UTF-8''it%27s%20100%25%20%28draft%29%3B%20%22final%22.txt`,
    );
  });

  it('decodes back to the name, for any safe name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (raw) => {
        const name = safeFileName(raw);
        const value = contentDisposition('attachment', name);
        expect(value).toMatch(/^attachment; filename="[\x20-\x7E]*"; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]+$/);
        const encoded = value.slice(value.indexOf("UTF-8''") + 7);
        expect(decodeURIComponent(encoded)).toBe(name);
        const fallback = /filename="([^"]*)"/.exec(value)?.[1] ?? '';
        expect(fallback).not.toMatch(/["\\%]/);
      }),
      { numRuns: 300 },
    );
  });
});

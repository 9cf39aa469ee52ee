/**
 * Undoes the wrong characters some PDF writers put in a text layer for Chinese.
 *
 * A CJK font often draws several code points with one glyph: a radical (U+2E80–U+2FDF) and the ideograph it
 * looks like, a rare Extension A character and a common one. A PDF writer that records one code point per
 * glyph in the ToUnicode map (Chromium's Skia picks the lowest, measured) then turns "金" into "⾦" (U+2F26),
 * "长" into "⻓" (U+2ED3), "胶" into "㬵" (U+3B35). The text looks right but no search, dictionary or unit name
 * matches it. None of these stand-ins occurs in running plan text, so folding them is safe.
 *
 * Measured by printing every ideograph in U+4E00–U+9FFF with Chromium in Noto Sans/Serif CJK SC and reading
 * it back with pdf.js: after this fold, all 6,763 GB2312 hanzi come back as printed.
 */

/**
 * CJK Radicals Supplement → equivalent unified ideograph, as hex code points, from the Unicode Character
 * Database's EquivalentUnifiedIdeograph.txt (UCD 17.0). Kangxi radicals (U+2F00–U+2FD5), U+2E9F and U+2EF3
 * are left out: NFKC already folds them.
 */
const SUPPLEMENT_PAIRS = [
  '2e81:5382 2e82:4e5b 2e83:4e5a 2e84:4e59 2e85:4ebb 2e86:5182 2e87:20628 2e88:5200',
  '2e89:5202 2e8a:535c 2e8b:353e 2e8c:5c0f 2e8d:5c0f 2e8e:5140 2e8f:5c23 2e90:5c22',
  '2e91:21bc2 2e92:5df3 2e93:5e7a 2e94:5f51 2e95:2b739 2e96:5fc4 2e97:5fc3 2e98:624c',
  '2e99:6535 2e9b:65e1 2e9c:65e5 2e9d:6708 2e9e:6b7a 2ea0:6c11 2ea1:6c35 2ea2:6c3a',
  '2ea3:706c 2ea4:722b 2ea5:722b 2ea6:4e2c 2ea7:725b 2ea8:72ad 2ea9:738b 2eaa:24d14',
  '2eab:76ee 2eac:793a 2ead:793b 2eae:25ad7 2eaf:7cf9 2eb0:7e9f 2eb1:7f53 2eb2:7f52',
  '2eb3:34c1 2eb4:5197 2eb5:2626b 2eb6:7f8a 2eb7:2634c 2eb8:2634b 2eb9:8002 2eba:8080',
  '2ebb:807f 2ebc:8089 2ebd:26951 2ebe:8279 2ebf:8279 2ec0:8279 2ec1:864e 2ec2:8864',
  '2ec3:8980 2ec4:897f 2ec5:89c1 2ec6:89d2 2ec7:278b2 2ec8:8ba0 2ec9:8d1d 2eca:27fb7',
  '2ecb:8f66 2ecc:8fb6 2ecd:8fb6 2ece:8fb6 2ecf:9091 2ed0:9485 2ed1:9577 2ed2:9578',
  '2ed3:957f 2ed4:95e8 2ed5:28e0f 2ed6:961d 2ed7:96e8 2ed8:9752 2ed9:97e6 2eda:9875',
  '2edb:98ce 2edc:98de 2edd:98df 2ede:2967f 2edf:98e0 2ee0:9963 2ee1:29810 2ee2:9a6c',
  '2ee3:9aa8 2ee4:9b3c 2ee5:9c7c 2ee6:9e1f 2ee7:5364 2ee8:9ea6 2ee9:9ec4 2eea:9efe',
  '2eeb:6589 2eec:9f50 2eed:6b6f 2eee:9f7f 2eef:7adc 2ef0:9f99 2ef1:9f9c 2ef2:4e80',
].join(' ');

/**
 * Where a simplified-Chinese font draws a radical as a different character than the Unicode equivalence says,
 * the character the reader saw wins: Noto CJK SC draws ⼾ as 户 (NFKC gives the traditional 戶), ⺕ as 彐 and
 * ⺫ as 罒. Luoshi reads mainland plans, so the simplified reading is the right one.
 */
const SIMPLIFIED_OVERRIDES = '2f3e:6237 2e95:5f50 2eab:7f52';

/** Extension A characters that Noto Sans CJK SC draws with the glyph of a common ideograph ("橡胶" → "橡㬵"). */
const EXTENSION_A_ALIASES = '3b35:80f6 3b3a:5e50 3ada:66f6 3ba3:69e9';

const FOLDS = new Map(
  [SUPPLEMENT_PAIRS, SIMPLIFIED_OVERRIDES, EXTENSION_A_ALIASES]
    .join(' ')
    .split(' ')
    .map((pair) => {
      const [from = '', to = ''] = pair.split(':');
      return [String.fromCodePoint(parseInt(from, 16)), String.fromCodePoint(parseInt(to, 16))] as const;
    }),
);

/**
 * Replaces glyph stand-ins in PDF text with the characters they were printed for: radicals, a few Extension A
 * aliases, and the two- and three-em dashes that fonts substitute for "——" (the Chinese dash, 破折号).
 *
 * @example
 * foldGlyphAliases('⾦⼭区⻓三⻆⸺橡㬵'); // '金山区长三角——橡胶'
 */
export function foldGlyphAliases(text: string): string {
  return text.replace(/[\u2e3a\u2e3b\u2e80-\u2fdf\u3400-\u4dbf]/g, (char) => {
    const folded = FOLDS.get(char);
    if (folded !== undefined) return folded;
    if (char === '\u2e3a') return '\u2014\u2014';
    if (char === '\u2e3b') return '\u2014\u2014\u2014';
    const code = char.codePointAt(0) ?? 0;
    return code >= 0x2e80 && code <= 0x2fdf ? char.normalize('NFKC') : char;
  });
}

/**
 * Small text helpers shared by the parser: character classes, whitespace between CJK characters, brackets.
 */

const CJK = '\\u3000-\\u303f\\u3400-\\u9fff\\uf900-\\ufaff\\uff00-\\uffef\\u2014\\u2018-\\u201d\\u2026\\u00b7';
const HAS_SPACE = /[ \t\u00a0\u3000]/;
const SPACE_NEXT_TO_CJK = new RegExp(`(?<=[${CJK}])[ \\t\\u00a0\\u3000]+|[ \\t\\u00a0\\u3000]+(?=[${CJK}])`, 'g');

/**
 * Removes white space that touches a CJK character or full-width punctuation, as Chinese typesetting has none
 * there; collapses other runs of white space to one space.
 * @example squeezeSpaces('到 2025 年，达到 800 亿元') // '到2025年，达到800亿元'
 */
export function squeezeSpaces(text: string): string {
  if (!HAS_SPACE.test(text)) return text;
  return text
    .replace(SPACE_NEXT_TO_CJK, '')
    .replace(/[ \t\u00a0\u3000]{2,}/g, ' ')
    .trim();
}

const OPEN = new Set(['（', '(', '【', '[', '〔', '［']);
const CLOSE = new Set(['）', ')', '】', ']', '〕', '］']);

/** True for any opening or closing round/square bracket, full- or half-width. */
export const isOpenBracket = (ch: string | undefined): boolean => ch !== undefined && OPEN.has(ch);
export const isCloseBracket = (ch: string | undefined): boolean => ch !== undefined && CLOSE.has(ch);

/**
 * Bracket depth at the end of `text` (opening minus closing, never below zero), starting from `depth`; full- and
 * half-width brackets mix freely.
 */
export function openBracketDepth(text: string, depth = 0): number {
  for (let i = 0; i < text.length; i++) {
    switch (text.charCodeAt(i)) {
      case 0xff08: // （
      case 0x28: // (
      case 0x3010: // 【
      case 0x5b: // [
      case 0x3014: // 〔
      case 0xff3b: // ［
        depth++;
        break;
      case 0xff09:
      case 0x29:
      case 0x3011:
      case 0x5d:
      case 0x3015:
      case 0xff3d:
        if (depth > 0) depth--;
    }
  }
  return depth;
}

/** A bracketed group found in a text: its content and where the brackets stand (end is past the closing one). */
export interface BracketGroup {
  start: number;
  end: number;
  content: string;
}

/**
 * The outermost round-bracket groups of a text, matching （ with ) and ( with ） as plans often mix them.
 * An unclosed group runs to the end of the text.
 */
export function bracketGroups(text: string): BracketGroup[] {
  const groups: BracketGroup[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '（' || ch === '(') {
      if (depth === 0) start = i;
      depth++;
    } else if ((ch === '）' || ch === ')') && depth > 0) {
      depth--;
      if (depth === 0) groups.push({ start, end: i + 1, content: text.slice(start + 1, i) });
    }
  }
  if (depth > 0 && start >= 0) groups.push({ start, end: text.length, content: text.slice(start + 1) });
  return groups;
}

const CN_DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const CN_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000, 万: 10000 };

/**
 * Reads a Chinese numeral up to the ten-thousands, or null when it is not one.
 * @example chineseNumber('十二') // 12
 * @example chineseNumber('五十') // 50
 * @example chineseNumber('千') // 1000
 */
export function chineseNumber(text: string): number | null {
  if (text === '') return null;
  let total = 0;
  let section = 0;
  let digit: number | null = null;
  for (const ch of text) {
    if (ch in CN_DIGITS) {
      digit = CN_DIGITS[ch] ?? 0;
    } else if (ch in CN_UNITS) {
      const unit = CN_UNITS[ch] ?? 1;
      if (unit === 10000) {
        total += (section + (digit ?? 0)) * unit;
        section = 0;
      } else {
        section += (digit ?? 1) * unit;
      }
      digit = null;
    } else {
      return null;
    }
  }
  return total + section + (digit ?? 0);
}

/** Full-width digits to ASCII, so that "１２" reads as 12. */
export function asciiDigits(text: string): string {
  if (!/[０-９]/.test(text)) return text;
  return text.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
}

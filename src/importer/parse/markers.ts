/**
 * Numbering markers of Chinese official documents (GB/T 9704: 一、 › （一） › 1. › （1）), plus chapters and
 * circled numbers, in full- and half-width forms.
 */
import { asciiDigits, chineseNumber } from './text.ts';

export type MarkerStyle =
  | 'chapter'
  | 'section'
  | 'cn-dun'
  | 'cn-paren'
  | 'ar-dot'
  | 'ar-paren'
  | 'ar-close'
  | 'circled'
  | 'word-group'
  | 'word-item';

export interface Marker {
  style: MarkerStyle;
  value: number;
  /** The marker as written, without surrounding space: "（1）", "(16)", "1．", "一、". */
  raw: string;
  /** Characters the marker and the space after it take at the start of the line. */
  length: number;
  /** For a worded marker (行动1：, ——任务2：), the colon that parts it from its title, as written. */
  suffix?: string;
}

/** The customary depth of each style, used to place a style the first time it appears. */
export const STYLE_RANK: Record<MarkerStyle, number> = {
  chapter: 0,
  section: 0.5,
  'cn-dun': 1,
  'cn-paren': 2,
  'ar-dot': 3,
  'ar-paren': 4,
  'ar-close': 5,
  circled: 6,
  // Worded numbers (行动1：… › ——任务1：…) nest inside the section they appear in.
  'word-group': 2.5,
  'word-item': 3.5,
};

const CN = '[一二三四五六七八九十]{1,3}';
const AR = '[0-9０-９]{1,3}';
const MARKER_START = /^[（(0-9０-９一二三四五六七八九十第①-⒛行任举措工专—]/;
/**
 * A number written with a word: "行动1：", "工程三：", "——任务12：". Groups (行动, 工程) hold items (任务, 举措).
 * The colon is required, so that running text ("任务3项") is never taken for a heading.
 */
const WORDED =
  /^(?:——|—)?\s*((行动|工程|专项行动|任务|举措|措施)([0-9０-９]{1,3}|[一二三四五六七八九十]{1,3}))\s*([：:])/;
const GROUP_WORDS = new Set(['行动', '工程', '专项行动']);
/** Code point ranges of enclosed numbers: ① …⑳, ⑴ … ⒇, ⒈ … ⒛. */
const ENCLOSED_BASE: [number, number][] = [
  [0x2460, 0x2473],
  [0x2474, 0x2487],
  [0x2488, 0x249b],
];
const PATTERNS: [MarkerStyle, RegExp][] = [
  ['chapter', /^第([一二三四五六七八九十百零〇两]{1,4})(?:章|部分|篇)/],
  ['section', /^第([一二三四五六七八九十百零〇两]{1,4})节/],
  ['cn-dun', new RegExp(`^(${CN})[、．.](?![0-9])`)],
  ['cn-paren', new RegExp(`^[（(](${CN})[）)]`)],
  ['ar-paren', new RegExp(`^[（(](${AR})[）)]`)],
  ['ar-dot', new RegExp(`^(${AR})(?:[.．﹒](?![0-9０-９])|、)`)],
  ['ar-close', new RegExp(`^(${AR})[）)]`)],
  ['circled', /^([①-⑳])/],
  // Word's enclosed forms: ⑴ for "(1)", ⒈ for "1.".
  ['ar-paren', /^([⑴-⒇])/],
  ['ar-dot', /^([⒈-⒛])/],
];

/**
 * Reads the numbering marker at the start of a line, if any.
 * @example readMarker('（12）打造500亿级新材料产业集群') // { style: 'ar-paren', value: 12, raw: '（12）', length: 4 }
 */
export function readMarker(text: string): Marker | null {
  // Fast exit for the common body line: markers start with a bracket, a digit, a Chinese numeral, 第 or ①.
  if (!MARKER_START.test(text)) return null;
  const worded = /^[—行任举措工专]/.test(text) ? WORDED.exec(text) : null;
  if (worded) return wordedMarker(text, worded);
  for (const [style, pattern] of PATTERNS) {
    const match = pattern.exec(text);
    if (!match) continue;
    const body = match[1] ?? '';
    const code = body.charCodeAt(0);
    const enclosed = ENCLOSED_BASE.find(([from, to]) => code >= from && code <= to);
    const value = enclosed
      ? code - enclosed[0] + 1
      : style === 'chapter' || style === 'section' || style === 'cn-dun' || style === 'cn-paren'
        ? chineseNumber(body)
        : Number(asciiDigits(body));
    if (value === null || value <= 0) return null;
    const raw = match[0];
    let length = raw.length;
    while (length < text.length && /\s/.test(text[length] ?? '')) length++;
    return { style, value, raw, length };
  }
  return null;
}

function wordedMarker(text: string, match: RegExpExecArray): Marker | null {
  const digits = match[3] ?? '';
  const value = /^[0-9０-９]/.test(digits) ? Number(asciiDigits(digits)) : chineseNumber(digits);
  if (value === null || value <= 0) return null;
  let length = match[0].length;
  while (length < text.length && /\s/.test(text[length] ?? '')) length++;
  const style: MarkerStyle = GROUP_WORDS.has(match[2] ?? '') ? 'word-group' : 'word-item';
  return { style, value, raw: match[1] ?? '', length, suffix: match[4] ?? '' };
}

/**
 * Renders one list counter in a WordprocessingML number format (w:numFmt, ECMA-376 §17.18.59): the "一" of
 * "一、", the "1" of "（1）", the "①" of a circled list. A format we do not know, or a value a format cannot
 * show (the 21st circled number, a Roman numeral above 3999), comes out in decimal, which is what Word does for
 * the enclosed forms and the least surprising text for the rest.
 */

/** The largest value the formats below are written for (Chinese counting stops below 亿); above it, decimal. */
const MAX_VALUE = 99_999_999;

const CHINESE_DIGITS = '〇一二三四五六七八九';
/** The zero said inside a Chinese number (一百零一); 〇 is the digit written alone or digit by digit (二〇二五). */
const INNER_ZERO = '零';
const LEGAL_DIGITS = '零壹贰叁肆伍陆柒捌玖';
/** 天干: 甲乙丙…癸, the ideographTraditional sequence. */
const HEAVENLY_STEMS = '甲乙丙丁戊己庚辛壬癸';
/** 地支: 子丑寅…亥, the ideographZodiac sequence. */
const EARTHLY_BRANCHES = '子丑寅卯辰巳午未申酉戌亥';

/**
 * The text of `value` in the number format `format` (the w:val of w:numFmt); "" for `none` and `bullet`.
 *
 * @example
 * formatListNumber(11, 'chineseCounting'); // "十一"
 * formatListNumber(3, 'decimalEnclosedCircleChinese'); // "③"
 * formatListNumber(2, 'ideographTraditional'); // "乙"
 */
export function formatListNumber(value: number, format: string): string {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_VALUE) return String(value);
  switch (format) {
    case 'none':
    case 'bullet':
      return '';
    case 'decimalZero':
      return value < 10 ? `0${value}` : String(value);
    case 'decimalFullWidth':
    case 'decimalFullWidth2':
      return String(value).replace(/[0-9]/g, (digit) => String.fromCharCode(0xff10 + Number(digit)));
    case 'upperLetter':
      return letters(value)?.toUpperCase() ?? String(value);
    case 'lowerLetter':
      return letters(value) ?? String(value);
    case 'upperRoman':
      return roman(value) ?? String(value);
    case 'lowerRoman':
      return roman(value)?.toLowerCase() ?? String(value);
    case 'ordinal':
      return ordinal(value);
    case 'hex':
      return value.toString(16).toUpperCase();
    case 'chineseCounting':
    case 'chineseCountingThousand':
    case 'japaneseCounting':
    case 'taiwaneseCounting':
    case 'taiwaneseCountingThousand':
      return chineseCounting(value, CHINESE_DIGITS, '十百千', false);
    case 'chineseLegalSimplified':
      return chineseCounting(value, LEGAL_DIGITS, '拾佰仟', true);
    case 'ideographDigital':
    case 'taiwaneseDigital':
    case 'japaneseDigitalTenThousand':
      return String(value).replace(/[0-9]/g, (digit) => CHINESE_DIGITS[Number(digit)] ?? digit);
    case 'ideographTraditional':
      return inRange(value, 1, 10) ? HEAVENLY_STEMS.charAt(value - 1) : String(value);
    case 'ideographZodiac':
      return inRange(value, 1, 12) ? EARTHLY_BRANCHES.charAt(value - 1) : String(value);
    case 'ideographZodiacTraditional':
      // The sexagenary cycle 甲子, 乙丑 … 癸亥.
      return inRange(value, 1, 60)
        ? HEAVENLY_STEMS.charAt((value - 1) % 10) + EARTHLY_BRANCHES.charAt((value - 1) % 12)
        : String(value);
    case 'decimalEnclosedCircle':
    case 'decimalEnclosedCircleChinese':
      // ①…⑳ are the circled numbers every CJK font has; Word writes plain digits after 20.
      return inRange(value, 1, 20) ? String.fromCharCode(0x2460 + value - 1) : String(value);
    case 'decimalEnclosedParen':
      return inRange(value, 1, 20) ? String.fromCharCode(0x2474 + value - 1) : String(value); // ⑴…⒇
    case 'decimalEnclosedFullstop':
      return inRange(value, 1, 20) ? String.fromCharCode(0x2488 + value - 1) : String(value); // ⒈…⒛
    case 'ideographEnclosedCircle':
      return inRange(value, 1, 10) ? String.fromCharCode(0x3280 + value - 1) : String(value); // ㊀…㊉
    default:
      // decimal, decimalHalfWidth, and every format we do not render (Korean, Hebrew, cardinalText, …).
      return String(value);
  }
}

function inRange(value: number, low: number, high: number): boolean {
  return value >= low && value <= high;
}

/** a … z, aa … zz, aaa …: Word repeats the letter rather than counting in base 26. */
function letters(value: number): string | undefined {
  if (value < 1 || value > 26 * 20) return undefined;
  return String.fromCharCode(0x61 + ((value - 1) % 26)).repeat(Math.floor((value - 1) / 26) + 1);
}

function roman(value: number): string | undefined {
  if (value < 1 || value > 3999) return undefined;
  const numerals: [number, string][] = [
    [1000, 'M'],
    [900, 'CM'],
    [500, 'D'],
    [400, 'CD'],
    [100, 'C'],
    [90, 'XC'],
    [50, 'L'],
    [40, 'XL'],
    [10, 'X'],
    [9, 'IX'],
    [5, 'V'],
    [4, 'IV'],
    [1, 'I'],
  ];
  let rest = value;
  let text = '';
  for (const [size, numeral] of numerals) {
    for (; rest >= size; rest -= size) text += numeral;
  }
  return text;
}

/** 1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st. */
function ordinal(value: number): string {
  const suffixes: Readonly<Record<number, string>> = { 1: 'st', 2: 'nd', 3: 'rd' };
  const isTeen = value % 100 >= 11 && value % 100 <= 13;
  return `${value}${isTeen ? 'th' : (suffixes[value % 10] ?? 'th')}`;
}

/**
 * A number in Chinese counting: 三, 十一, 二十, 一百零五, 一千零一十, 一万二千. A leading 一十 is said 十 (11 is
 * 十一), except in the legal (大写) form, where 壹拾壹 guards against alteration.
 */
function chineseCounting(value: number, digits: string, units: string, isLegal: boolean): string {
  if (value === 0) return digits.charAt(0);
  const high = Math.floor(value / 10_000);
  const low = value % 10_000;
  let text = high > 0 ? `${belowTenThousand(high, digits, units)}万` : '';
  if (low > 0) text += (high > 0 && low < 1000 ? INNER_ZERO : '') + belowTenThousand(low, digits, units);
  const one = digits.charAt(1);
  const ten = units.charAt(0);
  return !isLegal && text.startsWith(one + ten) ? text.slice(1) : text;
}

function belowTenThousand(value: number, digits: string, units: string): string {
  const places = [Math.floor(value / 1000), Math.floor(value / 100) % 10, Math.floor(value / 10) % 10, value % 10];
  const placeUnits = [units.charAt(2), units.charAt(1), units.charAt(0), ''];
  let text = '';
  let zeroPending = false;
  places.forEach((digit, index) => {
    if (digit === 0) {
      zeroPending = text !== '';
      return;
    }
    if (zeroPending) text += INNER_ZERO;
    zeroPending = false;
    text += digits.charAt(digit) + (placeUnits[index] ?? '');
  });
  return text;
}

/**
 * The document's metadata: title (the plan's own, not the covering notice's), 文号, issuer and date, read from
 * the head of the text (GB/T 9704 places them there) and, failing that, from the 印发 line at its foot.
 */
import { chineseNumber, squeezeSpaces } from './text.ts';

export interface Metadata {
  title: string | null;
  docNumber: string | null;
  issuer: string | null;
  date: string | null;
  /** Offset where the plan's own text begins (its title line), or 0 when no title line stands apart. */
  bodyStart: number;
}

interface RawLine {
  text: string;
  start: number;
}

const DOC_NUMBER = /[\u4e00-\u9fa5]{1,16}\s*[〔[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*(?:第\s*)?\d{1,4}\s*号/;
const ISSUER_END = /(?:人民政府|政府|办公室|办公厅|委员会|领导小组|指挥部|工作组|局|厅|委|部|院)$/;
const PLAN_WORDS = /方案|计划|意见|规划|纲要|措施|办法|要点|细则|清单|举措/;
const DATE = /^((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日/;
const CN_DATE = /^([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日/;
const HEAD_LINES = 60;
const ISSUED_TITLE = /(?:印发|转发)《([^《》]+)》|《([^《》]+)》(?:印发|转发)/;
/** A collector's front matter line ("发布单位: …", "文号: …"): not the document's own text. */
const FRONT_MATTER = /^[\u4e00-\u9fa5]{2,6}\s*[:：]\s*\S/;

function rawLines(input: string, limit: number): RawLine[] {
  const out: RawLine[] = [];
  let pos = 0;
  while (pos < input.length && out.length < limit) {
    let next = input.indexOf('\n', pos);
    if (next < 0) next = input.length;
    const text = squeezeSpaces(
      input
        .slice(pos, next)
        .replace(/^\s*(?:#{1,6}\s+|>\s*)/, '')
        .replace(/\*\*/g, ''),
    );
    const previous = out[out.length - 1];
    if (previous && previous.text.lastIndexOf('《') > previous.text.lastIndexOf('》')) {
      // A book title (《…》) wrapped onto the next line.
      previous.text += text;
    } else if (text !== '' && !/^(?:-{3,}|\*{3,}|_{3,})$/.test(text)) {
      out.push({ text, start: pos });
    }
    pos = next + 1;
  }
  return out;
}

/** Reads "2021年6月2日" or "二〇二一年六月二日" as YYYY-MM-DD. */
export function readDate(text: string): string | null {
  let y: number, m: number, d: number;
  const arabic = DATE.exec(text);
  const chinese = arabic ? null : CN_DATE.exec(text);
  if (arabic) {
    [y, m, d] = [Number(arabic[1]), Number(arabic[2]), Number(arabic[3])];
  } else if (chinese) {
    const year = [...(chinese[1] ?? '')].map((c) => chineseNumber(c) ?? 0).join('');
    [y, m, d] = [Number(year), chineseNumber(chinese[2] ?? '') ?? 0, chineseNumber(chinese[3] ?? '') ?? 0];
  } else {
    return null;
  }
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Reads the metadata of a plan. */
export function readMetadata(input: string): Metadata {
  const head = rawLines(input, HEAD_LINES);
  const firstMarker = head.findIndex((l) =>
    /^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十]+(?:章|部分))/.test(l.text),
  );
  const front = firstMarker < 0 ? head : head.slice(0, firstMarker);

  let docNumber: string | null = null;
  for (const line of front) {
    const m = DOC_NUMBER.exec(line.text);
    if (m && !line.text.includes('《')) {
      docNumber = m[0].replace(/\s+/g, '');
      break;
    }
  }

  // The quoted title the notice issues ("关于印发《X》的通知", "现将《X》印发给你们"), before any other it cites.
  const issued = front
    .map((l) => ({ line: l, m: ISSUED_TITLE.exec(l.text) }))
    .find((x): x is { line: RawLine; m: RegExpExecArray } => x.m !== null);
  const notice = issued?.line ?? front.find((l) => /印发|转发|关于/.test(l.text) && /《.+》/.test(l.text));
  let title = issued
    ? (issued.m[1] ?? issued.m[2] ?? null)
    : notice
      ? (/《(.+?)》/.exec(notice.text)?.[1] ?? null)
      : null;
  title = title ? title.replace(/\s+/g, '') : null;
  let bodyStart = 0;
  const titleLine = front.findIndex(
    (l) =>
      l !== notice &&
      PLAN_WORDS.test(l.text) &&
      !/[《》]/.test(l.text) &&
      !/关于印发|的通知$|^各/.test(l.text) &&
      l.text.length <= 60 &&
      !/[。；]/.test(l.text) &&
      (title === null || l.text.replace(/\s+/g, '') === title || title.startsWith(l.text.replace(/\s+/g, ''))),
  );
  if (titleLine >= 0) {
    const line = front[titleLine];
    bodyStart = line?.start ?? 0;
    if (title === null && line) {
      // A title set on two lines: "…关于加快…的" + "实施方案".
      const previous = front[titleLine - 1];
      const continues =
        previous !== undefined &&
        line.text.length <= 8 &&
        previous.text.length <= 40 &&
        !ISSUER_END.test(previous.text) &&
        !DOC_NUMBER.test(previous.text) &&
        !/(?:19|20)\d{2}\s*年|[。：:，,]$/.test(previous.text);
      title = continues && previous ? previous.text + line.text : line.text;
    }
  } else if (title === null) {
    const relate = front.find((l) => /关于.+的(?:实施)?(?:方案|意见|计划)$/.test(l.text));
    title = relate?.text ?? null;
  }

  let date: string | null = null;
  let dateIndex = -1;
  for (const [i, line] of front.entries()) {
    const value = readDate(line.text);
    if (value && line.text.replace(/\s+/g, '').length <= 16) {
      date = value;
      dateIndex = i;
      break;
    }
  }
  const tail = input.length > 4000 ? input.slice(-4000) : input;
  if (date === null) {
    // A document issued without a covering notice signs and dates at its end, above the 印发 line.
    const signed = tail
      .split('\n')
      .map((l) => l.replace(/[#*>\s]/g, ''))
      .filter((l) => readDate(l) !== null && l.length <= 16 && !l.includes('印发'));
    const last = signed[signed.length - 1];
    if (last) date = readDate(last);
  }
  if (date === null) {
    const printed = /((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*印发/.exec(tail);
    date = printed ? readDate(printed[1] ?? '') : null;
  }

  let issuer: string | null = null;
  // The head stops at the addressees' line ("各区："): what follows is the notice and its signature.
  const own = front.filter((l) => !FRONT_MATTER.test(l.text));
  const addressees = own.findIndex((l) => /[：:]$/.test(l.text));
  const header = own
    .slice(0, addressees < 0 ? 4 : Math.min(4, addressees))
    .find((l) => ISSUER_END.test(l.text.replace(/文件$/, '')) && l.text.length <= 40);
  if (header) issuer = header.text.replace(/文件$/, '').trim();
  if (!issuer && dateIndex > 0) issuer = signatureAbove(front, dateIndex);
  if (!issuer && notice) issuer = /^(?:标题\s*[:：]\s*)?(.+?)关于/.exec(notice.text)?.[1] ?? null;
  // Last, a collector's 发布单位: it may name the publishing office rather than the body that signs.
  if (!issuer)
    issuer = front.map((l) => /^发布(?:单位|机关|机构)\s*[:：]\s*(.+)$/.exec(l.text)?.[1]).find(Boolean) ?? null;

  return { title, docNumber, issuer, date, bodyStart };
}

/**
 * The signing body written above the date: for a joint issue the signature block runs over several lines, and its
 * first-listed body leads ("甲区发展和改革委员会甲区建设和管理委员会" / … / date → 甲区发展和改革委员会).
 */
function signatureAbove(front: RawLine[], dateIndex: number): string | null {
  let top = -1;
  for (let i = dateIndex - 1; i >= 0; i--) {
    const text = front[i]?.text ?? '';
    // A signature line is a bare name: no sentence punctuation, no date, no collector's field.
    if (
      text.length > 60 ||
      FRONT_MATTER.test(text) ||
      /[。：:，,；！？]|\d/.test(text) ||
      (PLAN_WORDS.test(text) && !ISSUER_END.test(text))
    )
      break;
    if (ISSUER_END.test(text)) top = i;
  }
  const first = top >= 0 ? front[top]?.text : undefined;
  if (!first) return null;
  // Two bodies written on one line: the second starts with the same place name as the first.
  const place = first.slice(0, 2);
  for (let at = first.indexOf(place, 4); at > 0; at = first.indexOf(place, at + 1)) {
    if (ISSUER_END.test(first.slice(0, at))) return first.slice(0, at);
  }
  return first.length <= 40 && ISSUER_END.test(first) ? first : null;
}

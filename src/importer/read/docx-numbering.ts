/**
 * Word's automatic numbering (ECMA-376 §17.9): the "一、", "（一）", "1." that Word draws in front of a paragraph
 * from word/numbering.xml. The paragraph's own text does not hold them, so without this a plan whose headings
 * are auto-numbered reads as unnumbered prose.
 *
 * A paragraph is numbered by its w:pPr/w:numPr (numId and level), or by its paragraph style's numPr, inherited
 * through w:basedOn. The numId names a list instance (w:num), which points at an abstract definition
 * (w:abstractNum) whose levels (w:lvl) say the start value, the number format and the text ("（%1）").
 *
 * Counting follows what Word does rather than the letter of the standard where they differ:
 * - Counters belong to the abstract definition, so list instances that share one continue each other's count.
 * - A w:startOverride restarts its level the first time its own instance numbers a paragraph at that level; the
 *   shared count then carries on from there, in that instance and in the others.
 * - A level restarts whenever a higher level is used, unless its w:lvlRestart names a higher one (or 0: never).
 *
 * Simplified: a level shown in "%1.%2" before it was ever used shows its start value; w:suff (the tab or space
 * after the number) is not rendered; numbering from table styles, w:numPr changes in tracked revisions and the
 * numbering of deleted paragraph marks are ignored.
 */
import { formatListNumber } from './docx-number-format.ts';
import {
  childElements,
  childValue,
  findElement,
  firstChild,
  getAttribute,
  isOn,
  parseXml,
  type XmlElement,
} from './xml.ts';

/** Levels 0 to 8: WordprocessingML lists have nine. */
const LEVEL_COUNT = 9;

/** Word's largest start value (its Set Numbering Value dialog stops there). */
const MAX_START = 32_767;

/**
 * Longer level texts are cut. The text is repeated in front of every paragraph of its level, so a hostile
 * numbering.xml with a megabyte-long w:lvlText would otherwise multiply into gigabytes of output.
 */
const MAX_LEVEL_TEXT = 64;

/** Style chains (w:basedOn) longer than this are cut; real ones are under ten. Cycles are cut as well. */
const MAX_STYLE_CHAIN = 64;

/** w:numStyleLink hops followed before giving up (a list style's definition links back to the style). */
const MAX_STYLE_LINKS = 8;

const NO_TEXT: ReadonlySet<string> = new Set();

interface ListLevel {
  start: number;
  /** The w:numFmt value: "decimal", "chineseCounting", "bullet", … */
  format: string;
  /** The w:lvlText value, e.g. "（%1）"; "" when absent. */
  text: string;
  /**
   * The w:lvlRestart value: the level restarts when a level whose one-based index is at most this is used;
   * 0 means never; undefined means whenever any higher level is used.
   */
  restartAfter: number | undefined;
  /** w:isLgl: every level shown in this level's text is written in decimal ("1.1" under "一、"). */
  isLegal: boolean;
  /** w:pStyle: the paragraph style that, given this list, takes this level. */
  styleId: string | undefined;
}

interface AbstractList {
  levels: (ListLevel | undefined)[];
  /** w:numStyleLink: the levels are those of the list style with this id. */
  numStyleLink: string | undefined;
}

interface ListInstance {
  abstractId: string;
  startOverrides: Map<number, number>;
  levelOverrides: Map<number, ListLevel>;
}

/** A w:numPr as written: either half may be missing and is then taken from the style. */
interface NumberingReference {
  numId: string | undefined;
  level: number | undefined;
}

interface ParagraphStyle extends NumberingReference {
  basedOn: string | undefined;
}

interface InheritedNumbering extends NumberingReference {
  /** The style in the chain that named the numId. */
  sourceStyleId: string | undefined;
}

const NOT_INHERITED: InheritedNumbering = { numId: undefined, level: undefined, sourceStyleId: undefined };

/**
 * The numbering of one document, read from its numbering and styles parts. It counts as it goes, so ask it for
 * each paragraph's number once, in document order.
 *
 * @example
 * const numbering = ListNumbering.fromParts(numberingXml, stylesXml);
 * numbering.numberParagraph(paragraphProperties); // "一、", then "二、" for the next paragraph of that level
 */
export class ListNumbering {
  /** Running values of each level, by abstract definition id; undefined until used or after a restart. */
  private readonly counters = new Map<string, (number | undefined)[]>();
  /** "numId:level" pairs whose start override has been applied. */
  private readonly overridesApplied = new Set<string>();
  private readonly inherited = new Map<string, InheritedNumbering>();

  private constructor(
    private readonly abstracts: ReadonlyMap<string, AbstractList>,
    private readonly instances: ReadonlyMap<string, ListInstance>,
    private readonly styles: ReadonlyMap<string, ParagraphStyle>,
    private readonly defaultStyleId: string | undefined,
  ) {}

  /** A numbering that numbers nothing: for documents without a numbering part. */
  static none(): ListNumbering {
    return new ListNumbering(new Map(), new Map(), new Map(), undefined);
  }

  /**
   * Reads word/numbering.xml and word/styles.xml. Missing or damaged parts give fewer numbers, never an error:
   * numbering is a help to the parser, and a document whose numbering Word itself would repair is still a plan.
   *
   * @example
   * ListNumbering.fromParts(undefined, stylesXml); // numbers nothing
   */
  static fromParts(numberingXml: string | undefined, stylesXml: string | undefined): ListNumbering {
    if (numberingXml === undefined) return ListNumbering.none();
    try {
      const { abstracts, instances } = parseNumberingPart(numberingXml);
      if (instances.size === 0) return ListNumbering.none();
      const { styles, defaultStyleId } = stylesXml === undefined ? NO_STYLES : parseStylesPart(stylesXml);
      return new ListNumbering(abstracts, instances, styles, defaultStyleId);
    } catch {
      // The parsers are written not to throw; this is the last guard for a parse we did not foresee.
      return ListNumbering.none();
    }
  }

  /**
   * The number Word shows in front of the paragraph with properties `properties` (its w:pPr), e.g. "（一）";
   * "" when it is not numbered or is a bullet item. Advances the paragraph's list.
   *
   * @example
   * numbering.numberParagraph(pPr); // "1."
   */
  numberParagraph(properties: XmlElement | undefined): string {
    if (this.instances.size === 0) return '';
    const direct = numberingReference(properties);
    const styleId = childValue(properties, 'w:pStyle') ?? this.defaultStyleId;
    const inherited = styleId === undefined ? NOT_INHERITED : this.inheritedNumbering(styleId);

    // numId 0 written on the paragraph removes the numbering its style would give it.
    const numId = direct.numId ?? inherited.numId;
    if (numId === undefined || numId === '0') return '';
    const instance = this.instances.get(numId);
    const list = instance && this.resolveAbstract(instance.abstractId);
    if (!instance || !list) return '';

    const level =
      direct.level ??
      inherited.level ??
      (direct.numId === undefined ? linkedLevel(list.definition, styleId, inherited.sourceStyleId) : undefined) ??
      0;
    const definition = (index: number) => instance.levelOverrides.get(index) ?? list.definition.levels[index];
    const current = definition(level);
    if (!current) return '';

    const values = this.counters.get(list.id) ?? new Array<number | undefined>(LEVEL_COUNT).fill(undefined);
    this.counters.set(list.id, values);
    const overrideKey = `${numId}:${level}`;
    const startOverride = instance.startOverrides.get(level);
    if (startOverride !== undefined && !this.overridesApplied.has(overrideKey)) {
      this.overridesApplied.add(overrideKey);
      values[level] = startOverride;
    } else {
      const previous = values[level];
      values[level] = previous === undefined ? current.start : previous + 1;
    }
    for (let deeper = level + 1; deeper < LEVEL_COUNT; deeper++) {
      const restartAfter = Math.min(definition(deeper)?.restartAfter ?? deeper, deeper);
      if (level < restartAfter) values[deeper] = undefined;
    }

    if (current.format === 'bullet') return '';
    return current.text.replace(/%([1-9])/g, (_, digit: string) => {
      const index = Number(digit) - 1;
      const shown = definition(index);
      if (!shown) return '';
      return formatListNumber(values[index] ?? shown.start, current.isLegal ? 'decimal' : shown.format);
    });
  }

  /** The abstract definition behind `abstractId`, following w:numStyleLink to the list style's definition. */
  private resolveAbstract(abstractId: string): { id: string; definition: AbstractList } | undefined {
    let id = abstractId;
    for (let hop = 0; hop <= MAX_STYLE_LINKS; hop++) {
      const definition = this.abstracts.get(id);
      if (!definition) return undefined;
      if (definition.numStyleLink === undefined) return { id, definition };
      const linkedNumId = this.inheritedNumbering(definition.numStyleLink).numId;
      const linked = linkedNumId === undefined ? undefined : this.instances.get(linkedNumId);
      if (!linked || linked.abstractId === id) return { id, definition };
      id = linked.abstractId;
    }
    return undefined;
  }

  /** The numId and level a style gives its paragraphs, each from the nearest style in its w:basedOn chain. */
  private inheritedNumbering(styleId: string): InheritedNumbering {
    const cached = this.inherited.get(styleId);
    if (cached) return cached;
    let { numId, level, sourceStyleId } = NOT_INHERITED;
    const visited = new Set<string>();
    for (let id: string | undefined = styleId; id !== undefined;) {
      if (visited.has(id) || visited.size >= MAX_STYLE_CHAIN) break;
      visited.add(id);
      const style = this.styles.get(id);
      if (!style) break;
      if (numId === undefined && style.numId !== undefined) {
        numId = style.numId;
        sourceStyleId = id;
      }
      level ??= style.level;
      if (numId !== undefined && level !== undefined) break;
      id = style.basedOn;
    }
    const result = { numId, level, sourceStyleId };
    this.inherited.set(styleId, result);
    return result;
  }
}

/** The level of `list` tied to the paragraph's style (w:lvl/w:pStyle), used when the style names no level. */
function linkedLevel(list: AbstractList, ...styleIds: (string | undefined)[]): number | undefined {
  for (const styleId of styleIds) {
    if (styleId === undefined) continue;
    const index = list.levels.findIndex((level) => level?.styleId === styleId);
    if (index !== -1) return index;
  }
  return undefined;
}

function numberingReference(properties: XmlElement | undefined): NumberingReference {
  const numPr = properties && firstChild(properties, 'w:numPr');
  return {
    numId: childValue(numPr, 'w:numId')?.trim(),
    level: integerIn(childValue(numPr, 'w:ilvl'), 0, LEVEL_COUNT - 1),
  };
}

function parseNumberingPart(xml: string): {
  abstracts: Map<string, AbstractList>;
  instances: Map<string, ListInstance>;
} {
  const abstracts = new Map<string, AbstractList>();
  const instances = new Map<string, ListInstance>();
  const numbering = findElement(parseXml(xml, NO_TEXT), 'w:numbering');
  for (const child of numbering ? childElements(numbering) : []) {
    if (child.name === 'w:abstractNum') {
      const id = getAttribute(child, 'w:abstractNumId')?.trim();
      if (id !== undefined && !abstracts.has(id)) abstracts.set(id, parseAbstractList(child));
    } else if (child.name === 'w:num') {
      const numId = getAttribute(child, 'w:numId')?.trim();
      const abstractId = childValue(child, 'w:abstractNumId')?.trim();
      if (numId !== undefined && abstractId !== undefined && !instances.has(numId)) {
        instances.set(numId, parseListInstance(child, abstractId));
      }
    }
  }
  return { abstracts, instances };
}

function parseAbstractList(element: XmlElement): AbstractList {
  const levels = new Array<ListLevel | undefined>(LEVEL_COUNT).fill(undefined);
  for (const child of childElements(element)) {
    if (child.name !== 'w:lvl') continue;
    const index = integerIn(getAttribute(child, 'w:ilvl'), 0, LEVEL_COUNT - 1);
    if (index !== undefined && levels[index] === undefined) levels[index] = parseLevel(child);
  }
  return { levels, numStyleLink: childValue(element, 'w:numStyleLink') };
}

function parseListInstance(element: XmlElement, abstractId: string): ListInstance {
  const instance: ListInstance = { abstractId, startOverrides: new Map(), levelOverrides: new Map() };
  for (const override of childElements(element)) {
    if (override.name !== 'w:lvlOverride') continue;
    const index = integerIn(getAttribute(override, 'w:ilvl'), 0, LEVEL_COUNT - 1);
    if (index === undefined) continue;
    const start = integerIn(childValue(override, 'w:startOverride'), -Infinity, Infinity);
    if (start !== undefined) instance.startOverrides.set(index, clampStart(start));
    const level = firstChild(override, 'w:lvl');
    if (level) instance.levelOverrides.set(index, parseLevel(level));
  }
  return instance;
}

function parseLevel(element: XmlElement): ListLevel {
  const isLegal = firstChild(element, 'w:isLgl');
  return {
    start: clampStart(integerIn(childValue(element, 'w:start'), -Infinity, Infinity) ?? 0),
    format: levelFormat(element),
    text: (childValue(element, 'w:lvlText') ?? '').slice(0, MAX_LEVEL_TEXT),
    restartAfter: integerIn(childValue(element, 'w:lvlRestart'), 0, LEVEL_COUNT),
    isLegal: isLegal !== undefined && isOn(isLegal),
    styleId: childValue(element, 'w:pStyle'),
  };
}

/**
 * The level's number format. Word 2010 and later write formats older readers lack ("01, 02, 03, …") as a
 * w:numFmt of "custom" in mc:AlternateContent, with a plain format in mc:Fallback.
 */
function levelFormat(level: XmlElement): string {
  const candidates = [firstChild(level, 'w:numFmt')];
  const alternate = firstChild(level, 'mc:AlternateContent');
  for (const branch of alternate ? childElements(alternate) : []) candidates.push(firstChild(branch, 'w:numFmt'));
  for (const candidate of candidates) {
    const format = candidate && getAttribute(candidate, 'w:val');
    if (!candidate || format === undefined || format === '') continue;
    if (format !== 'custom') return format;
    if (/^01\s*(?:,|$)/.test(getAttribute(candidate, 'w:format') ?? '')) return 'decimalZero';
  }
  return 'decimal';
}

const NO_STYLES = { styles: new Map<string, ParagraphStyle>(), defaultStyleId: undefined };

function parseStylesPart(xml: string): { styles: Map<string, ParagraphStyle>; defaultStyleId: string | undefined } {
  const styles = new Map<string, ParagraphStyle>();
  let defaultStyleId: string | undefined;
  const root = findElement(parseXml(xml, NO_TEXT), 'w:styles');
  for (const style of root ? childElements(root) : []) {
    const id = style.name === 'w:style' ? getAttribute(style, 'w:styleId') : undefined;
    if (id === undefined || styles.has(id)) continue;
    const reference = numberingReference(firstChild(style, 'w:pPr'));
    styles.set(id, { ...reference, basedOn: childValue(style, 'w:basedOn') });
    // The default paragraph style (usually "Normal") applies to every paragraph that names no style.
    const isDefault = ['1', 'true', 'on'].includes(getAttribute(style, 'w:default')?.toLowerCase() ?? '');
    if (isDefault && getAttribute(style, 'w:type') === 'paragraph') defaultStyleId ??= id;
  }
  return { styles, defaultStyleId };
}

/** A decimal integer attribute value within [low, high], or undefined when absent, garbled or out of range. */
function integerIn(text: string | undefined, low: number, high: number): number | undefined {
  if (text === undefined || !/^\s*[+-]?\d{1,9}\s*$/.test(text)) return undefined;
  const value = Number(text);
  return value >= low && value <= high ? value : undefined;
}

function clampStart(value: number): number {
  return Math.min(Math.max(value, 0), MAX_START);
}

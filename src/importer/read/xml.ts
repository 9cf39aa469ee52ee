/**
 * A small, forgiving XML reader for the parts of an Office file we need: it builds a tree of elements and keeps
 * character data only inside the elements the caller names (for WordprocessingML, `w:t`). It does not resolve
 * namespaces (Word and WPS always write the `w:` prefix), validate, or expand DTD entities: a DOCTYPE is
 * skipped, so entity-expansion attacks ("billion laughs") and external entities have nothing to work with.
 */

export interface XmlElement {
  /** The qualified name as written, e.g. "w:p". */
  name: string;
  /** The raw attribute text of the start tag; read it with {@link getAttribute}. */
  attributes: string;
  children: XmlNode[];
}

/** A child is an element or a run of decoded character data. */
export type XmlNode = XmlElement | string;

/**
 * Parses `xml` into a tree under a synthetic root element named "#document". Character data is kept only
 * when its parent element's name is in `keepTextIn`. Unbalanced or truncated markup never throws: an unmatched
 * end tag is ignored and elements still open at the end are closed.
 *
 * @example
 * const root = parseXml('<w:p><w:r><w:t>方案</w:t></w:r></w:p>', new Set(['w:t']));
 * // root.children[0] is the w:p element; its w:t holds the string "方案"
 */
export function parseXml(xml: string, keepTextIn: ReadonlySet<string>): XmlElement {
  const root: XmlElement = { name: '#document', attributes: '', children: [] };
  const stack: XmlElement[] = [root];
  let current = root;
  let keepText = false;
  let position = 0;

  const addText = (raw: string, decode: boolean) => {
    if (keepText && raw.length > 0) current.children.push(decode ? decodeXmlEntities(raw) : raw);
  };

  while (position < xml.length) {
    const open = xml.indexOf('<', position);
    if (open === -1) {
      addText(xml.slice(position), true);
      break;
    }
    if (open > position) addText(xml.slice(position, open), true);

    if (xml.startsWith('<!--', open)) {
      position = skipPast(xml, '-->', open + 4);
      continue;
    }
    if (xml.startsWith('<![CDATA[', open)) {
      const end = xml.indexOf(']]>', open + 9);
      addText(xml.slice(open + 9, end === -1 ? xml.length : end), false);
      position = end === -1 ? xml.length : end + 3;
      continue;
    }
    if (xml.startsWith('<?', open)) {
      position = skipPast(xml, '?>', open + 2);
      continue;
    }
    if (xml.startsWith('<!', open)) {
      // A DOCTYPE, possibly with an internal subset in brackets; its entity declarations are ignored on purpose.
      const bracket = xml.indexOf('[', open);
      const close = xml.indexOf('>', open);
      position =
        bracket !== -1 && (close === -1 || bracket < close) ? skipPast(xml, ']>', bracket) : skipPast(xml, '>', open);
      continue;
    }

    const close = findTagEnd(xml, open + 1);
    if (close === -1) break; // truncated inside a tag: keep what was read so far
    position = close + 1;

    if (xml[open + 1] === '/') {
      const name = xml.slice(open + 2, close).trim();
      const depth = stack.findLastIndex((element) => element.name === name);
      if (depth > 0) {
        stack.length = depth;
        current = stack[depth - 1] ?? root;
        keepText = keepTextIn.has(current.name);
      }
      continue;
    }

    const selfClosing = xml[close - 1] === '/';
    const body = xml.slice(open + 1, selfClosing ? close - 1 : close);
    const nameEnd = body.search(/[\s/]/);
    const name = nameEnd === -1 ? body : body.slice(0, nameEnd);
    const element: XmlElement = { name, attributes: nameEnd === -1 ? '' : body.slice(nameEnd), children: [] };
    current.children.push(element);
    if (!selfClosing) {
      stack.push(element);
      current = element;
      keepText = keepTextIn.has(name);
    }
  }
  return root;
}

const attributePatterns = new Map<string, RegExp>();

/** The decoded value of attribute `name` (qualified, e.g. "w:val"), or undefined when absent. */
export function getAttribute(element: XmlElement, name: string): string | undefined {
  let pattern = attributePatterns.get(name);
  if (!pattern) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    pattern = new RegExp(`(?:^|\\s)${escaped}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`);
    attributePatterns.set(name, pattern);
  }
  const match = pattern.exec(element.attributes);
  if (!match) return undefined;
  return decodeXmlEntities(match[1] ?? match[2] ?? '');
}

/** The child elements of `element` (character data skipped). */
export function childElements(element: XmlElement): XmlElement[] {
  return element.children.filter((child): child is XmlElement => typeof child !== 'string');
}

/** The first child element of `element` named `name`, e.g. the w:pPr of a paragraph. */
export function firstChild(element: XmlElement, name: string): XmlElement | undefined {
  for (const child of element.children) {
    if (typeof child !== 'string' && child.name === name) return child;
  }
  return undefined;
}

/**
 * The first element named `name` below `element` in document order, or undefined. Walks with an explicit stack,
 * so that absurdly deep nesting in a hostile file cannot overflow the call stack.
 */
export function findElement(element: XmlElement, name: string): XmlElement | undefined {
  const stack: XmlElement[] = [element];
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (next !== element && next.name === name) return next;
    for (let index = next.children.length - 1; index >= 0; index--) {
      const child = next.children[index];
      if (child !== undefined && typeof child !== 'string') stack.push(child);
    }
  }
  return undefined;
}

/**
 * The w:val of the child element `name` of `element` (WordprocessingML's way of writing a property, e.g.
 * `<w:pStyle w:val="Heading1"/>`), or undefined when the child or its value is absent.
 */
export function childValue(element: XmlElement | undefined, name: string): string | undefined {
  const child = element && firstChild(element, name);
  return child && getAttribute(child, 'w:val');
}

/** An OOXML on/off property: present without w:val, or with w:val true/1/on, means on. */
export function isOn(property: XmlElement): boolean {
  const value = getAttribute(property, 'w:val');
  return value === undefined || !['0', 'false', 'off'].includes(value.toLowerCase());
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Decodes the five predefined XML entities and numeric character references (`&#20013;`, `&#x4E2D;`).
 * Anything else (an unknown name, an invalid code point) is left as written rather than guessed.
 */
export function decodeXmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, reference: string) => {
    if (reference.startsWith('#')) {
      const hex = reference[1] === 'x' || reference[1] === 'X';
      const codePoint = Number.parseInt(reference.slice(hex ? 2 : 1), hex ? 16 : 10);
      return codePoint > 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff)
        ? String.fromCodePoint(codePoint)
        : whole;
    }
    return NAMED_ENTITIES[reference] ?? whole;
  });
}

function skipPast(xml: string, terminator: string, from: number): number {
  const end = xml.indexOf(terminator, from);
  return end === -1 ? xml.length : end + terminator.length;
}

/** Index of the `>` that ends the tag starting before `from`, skipping `>` inside quoted attribute values. */
function findTagEnd(xml: string, from: number): number {
  let quote: string | null = null;
  for (let index = from; index < xml.length; index++) {
    const char = xml[index];
    if (quote !== null) {
      if (char === quote) quote = null;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '>') {
      return index;
    }
  }
  return -1;
}

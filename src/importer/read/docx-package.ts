/**
 * Opens a .docx package (a zip of WordprocessingML parts, ECMA-376 Part 2) and takes out the parts the reader
 * uses: the main document, and the numbering and styles parts that say how its paragraphs are numbered. Parts are
 * found through the package's relationships, as Word finds them, with the usual names as fallbacks.
 */
import { unzipSync } from 'fflate';
import { ImportError } from '../errors.ts';
import { childElements, findElement, getAttribute, parseXml } from './xml.ts';

/** The main part of nearly every .docx; `_rels/.rels` may name another. */
const DEFAULT_MAIN_PART = 'word/document.xml';

/**
 * The declared uncompressed size beyond which the main part is refused. A real plan's document.xml is a few
 * MB; a zip that declares hundreds of MB is a decompression bomb. fflate inflates into a buffer of exactly
 * the declared size, so checking the declaration bounds the memory used.
 */
const MAX_MAIN_PART_BYTES = 128 * 1024 * 1024;

/**
 * The declared size beyond which a numbering or styles part is skipped (the document is then read without
 * automatic numbers). Real ones are well under a megabyte.
 */
const MAX_DEFINITIONS_PART_BYTES = 16 * 1024 * 1024;

/** Relationship parts are a few kilobytes. */
const MAX_RELATIONSHIPS_BYTES = 1024 * 1024;

/** The parts of a .docx the reader uses, decoded to text. */
export interface DocxParts {
  /** The main document part (word/document.xml). */
  document: string;
  /** The numbering definitions part (word/numbering.xml); undefined when absent, unreadable or too large. */
  numbering: string | undefined;
  /** The style definitions part (word/styles.xml); undefined when absent, unreadable or too large. */
  styles: string | undefined;
}

/**
 * Unzips the parts of a .docx the reader needs.
 *
 * @example
 * const { document, numbering } = readDocxParts(bytes);
 * // document: '<?xml …?><w:document …><w:body>…', numbering: '<w:numbering …>…' or undefined
 * @throws {ImportError} `corrupt-docx` for a damaged zip or a missing main part, `unsupported-format` for other
 *   zip-based formats (.xlsx, .pptx, .odt, OFD), `too-large` for a decompression bomb.
 */
export function readDocxParts(bytes: Uint8Array): DocxParts {
  const names: string[] = [];
  let packageRelationships: Uint8Array | undefined;
  try {
    packageRelationships = unzipSync(bytes, {
      filter: (file) => {
        names.push(file.name);
        return file.name === '_rels/.rels' && file.originalSize < MAX_RELATIONSHIPS_BYTES;
      },
    })['_rels/.rels'];
  } catch {
    throw corruptDocx();
  }
  const has = (name: string | undefined): name is string => name !== undefined && names.includes(name);

  const mainTargets = packageRelationships ? relationshipTargets(packageRelationships, '', '/officeDocument') : [];
  const mainPath = [...mainTargets, DEFAULT_MAIN_PART].find(has);
  if (mainPath === undefined) throw missingMainPart(names);
  const document = decodeXmlBytes(readMainPart(bytes, mainPath));

  // The main part's own relationships name its numbering and styles parts: word/_rels/document.xml.rels.
  const folder = mainPath.slice(0, mainPath.lastIndexOf('/') + 1);
  const relationshipsPath = `${folder}_rels/${mainPath.slice(folder.length)}.rels`;
  const relationships = has(relationshipsPath)
    ? readOptionalPart(bytes, relationshipsPath, MAX_RELATIONSHIPS_BYTES)
    : undefined;
  const definitionsPart = (type: string, fallback: string) => {
    const targets = relationships ? relationshipTargets(relationships, mainPath, type) : [];
    const path = [...targets, `${folder}${fallback}`].find(has);
    const part = path === undefined ? undefined : readOptionalPart(bytes, path, MAX_DEFINITIONS_PART_BYTES);
    return part && decodeXmlBytes(part);
  };
  const numbering = definitionsPart('/numbering', 'numbering.xml');
  // Styles only matter for numbering they pass on, so a document without numbering skips them.
  const styles = numbering === undefined ? undefined : definitionsPart('/styles', 'styles.xml');
  return { document, numbering, styles };
}

function readMainPart(bytes: Uint8Array, mainPath: string): Uint8Array {
  let part: Uint8Array | undefined;
  try {
    part = unzipSync(bytes, {
      filter: (file) => {
        if (file.name !== mainPath) return false;
        if (file.originalSize > MAX_MAIN_PART_BYTES) {
          throw new ImportError(
            'too-large',
            `Word 文档正文解压后超过 ${MAX_MAIN_PART_BYTES / 1024 / 1024} MB，无法导入（the unzipped document is too large）`,
          );
        }
        return true;
      },
    })[mainPath];
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw corruptDocx();
  }
  if (!part) throw corruptDocx();
  return part;
}

/** A part the document can be read without: undefined when it is too large or does not inflate. */
function readOptionalPart(bytes: Uint8Array, path: string, maxBytes: number): Uint8Array | undefined {
  try {
    return unzipSync(bytes, { filter: (file) => file.name === path && file.originalSize <= maxBytes })[path];
  } catch {
    return undefined;
  }
}

/**
 * The package paths of the internal relationships of type `…${typeSuffix}` in a relationships part of the part
 * `sourcePart` ("" for the package itself), in the order written. Targets are relative to the source part's
 * folder unless they start with "/".
 */
function relationshipTargets(bytes: Uint8Array, sourcePart: string, typeSuffix: string): string[] {
  const root = findElement(parseXml(decodeXmlBytes(bytes), new Set()), 'Relationships');
  const targets: string[] = [];
  for (const relationship of root ? childElements(root) : []) {
    const type = getAttribute(relationship, 'Type') ?? '';
    const target = getAttribute(relationship, 'Target');
    if (!type.endsWith(typeSuffix) || !target || getAttribute(relationship, 'TargetMode') === 'External') continue;
    targets.push(resolvePartPath(sourcePart, target));
  }
  return targets;
}

/** "word/document.xml" + "numbering.xml" → "word/numbering.xml"; "../x.xml" and "/word/x.xml" resolved too. */
function resolvePartPath(sourcePart: string, target: string): string {
  const base = target.startsWith('/') ? [] : sourcePart.split('/').slice(0, -1);
  const segments: string[] = [...base];
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return segments.join('/');
}

/** XML parts are UTF-8 in practice; the XML rules also allow UTF-16, which announces itself with a BOM. */
function decodeXmlBytes(bytes: Uint8Array): string {
  const encoding =
    bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-8';
  return new TextDecoder(encoding).decode(bytes);
}

function missingMainPart(names: readonly string[]): ImportError {
  const has = (name: string) => names.includes(name);
  if (has('xl/workbook.xml')) {
    return new ImportError(
      'unsupported-format',
      '不支持 Excel 表格（.xlsx），请提供 Word（.docx）、PDF 或文本格式的方案（spreadsheets are not supported）',
    );
  }
  if (has('ppt/presentation.xml')) {
    return new ImportError(
      'unsupported-format',
      '不支持 PowerPoint 演示文稿（.pptx），请提供 Word（.docx）、PDF 或文本格式的方案（presentations are not supported）',
    );
  }
  if (has('content.xml') && has('mimetype')) {
    return new ImportError(
      'unsupported-format',
      '不支持 OpenDocument（.odt）格式，请另存为 .docx 后再导入（OpenDocument is not supported: save it as .docx）',
    );
  }
  if (has('OFD.xml')) {
    // OFD (GB/T 33190) is the national fixed-layout format some government portals publish in.
    return new ImportError(
      'unsupported-format',
      '不支持 OFD 版式文件，请提供 PDF、Word（.docx）或文本格式的方案（OFD is not supported: export it as PDF）',
    );
  }
  return new ImportError(
    'corrupt-docx',
    '文件不是有效的 Word 文档：缺少正文 word/document.xml（not a valid .docx: word/document.xml is missing）',
  );
}

function corruptDocx(): ImportError {
  return new ImportError('corrupt-docx', 'Word 文档已损坏或不完整，无法打开（the .docx file is damaged or truncated）');
}

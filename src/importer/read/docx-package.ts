/**
 * Opens a .docx package (a zip of WordprocessingML parts, ECMA-376 Part 2) and takes out the parts the reader
 * uses: the main document, and the numbering and styles parts that say how its paragraphs are numbered. Parts are
 * found through the package's relationships, as Word finds them, with the usual names as fallbacks.
 */
import { ImportError } from '../errors.ts';
import { childElements, findElement, getAttribute, parseXml } from './xml.ts';
import { openZipContainer, type ZipContainer, type ZipFormat } from './zip-container.ts';

/** The main part of nearly every .docx; `_rels/.rels` may name another. */
const DEFAULT_MAIN_PART = 'word/document.xml';

/**
 * A numbering or styles part past this many inflated bytes is refused with the document: real ones are well
 * under a megabyte. (The main part has the container's part cap, 128 MB.)
 */
const MAX_DEFINITIONS_PART_BYTES = 16 * 1024 * 1024;

/** Relationship parts are a few kilobytes. */
const MAX_RELATIONSHIPS_BYTES = 1024 * 1024;

/** How the guarded zip reader words a .docx's refusals. */
export const DOCX_FORMAT: ZipFormat = {
  name: { zh: 'Word 文档', en: '.docx' },
  corrupt: corruptDocx,
};

/** The parts of a .docx the reader uses, decoded to text. */
export interface DocxParts {
  /** The main document part (word/document.xml). */
  document: string;
  /** The numbering definitions part (word/numbering.xml); undefined when absent or damaged. */
  numbering: string | undefined;
  /** The style definitions part (word/styles.xml); undefined when absent or damaged. */
  styles: string | undefined;
}

/**
 * Unzips the parts of a .docx the reader needs, through the guarded zip reader: every part is inflated as a
 * stream within hard caps, whatever sizes the zip declares.
 *
 * @example
 * const { document, numbering } = readDocxParts(bytes);
 * // document: '<?xml …?><w:document …><w:body>…', numbering: '<w:numbering …>…' or undefined
 * @throws {ImportError} `corrupt-docx` for a damaged zip or a missing main part, `unsupported-format` for other
 *   zip-based formats (.xlsx, .pptx, .odt, OFD), `resource-limit` for a decompression bomb or too many entries.
 */
export function readDocxParts(bytes: Uint8Array): DocxParts {
  const zip = openZipContainer(bytes, DOCX_FORMAT);
  const has = (name: string | undefined): name is string => name !== undefined && zip.has(name);

  const packageRelationships = readOptionalPart(zip, '_rels/.rels', MAX_RELATIONSHIPS_BYTES);
  const mainTargets = packageRelationships ? relationshipTargets(packageRelationships, '', '/officeDocument') : [];
  const mainPath = [...mainTargets, DEFAULT_MAIN_PART].find(has);
  if (mainPath === undefined) throw missingMainPart(zip);
  const document = decodeXmlBytes(zip.read(mainPath));

  // The main part's own relationships name its numbering and styles parts: word/_rels/document.xml.rels.
  const folder = mainPath.slice(0, mainPath.lastIndexOf('/') + 1);
  const relationshipsPath = `${folder}_rels/${mainPath.slice(folder.length)}.rels`;
  const relationships = readOptionalPart(zip, relationshipsPath, MAX_RELATIONSHIPS_BYTES);
  const definitionsPart = (type: string, fallback: string) => {
    const targets = relationships ? relationshipTargets(relationships, mainPath, type) : [];
    const path = [...targets, `${folder}${fallback}`].find(has);
    const part = path === undefined ? undefined : readOptionalPart(zip, path, MAX_DEFINITIONS_PART_BYTES);
    return part && decodeXmlBytes(part);
  };
  const numbering = definitionsPart('/numbering', 'numbering.xml');
  // Styles only matter for numbering they pass on, so a document without numbering skips them.
  const styles = numbering === undefined ? undefined : definitionsPart('/styles', 'styles.xml');
  return { document, numbering, styles };
}

/**
 * A part the document can be read without: undefined when absent or damaged. A part past a limit is not skipped
 * but refuses the whole document: it is a bomb, not damage.
 */
function readOptionalPart(zip: ZipContainer, path: string, maxBytes: number): Uint8Array | undefined {
  if (!zip.has(path)) return undefined;
  try {
    return zip.read(path, { maxBytes });
  } catch (error) {
    if (error instanceof ImportError && error.code === 'resource-limit') throw error;
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

function missingMainPart(zip: ZipContainer): ImportError {
  const has = (name: string) => zip.has(name);
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

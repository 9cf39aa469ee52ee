/**
 * Builds .docx files for reader tests: with the `docx` package (what Word-compatible writers produce), or from
 * a hand-written document.xml when a test needs markup the package does not emit (text boxes, field codes).
 */
import { Document, Packer, type ISectionOptions } from 'docx';
import { strToU8, zipSync } from 'fflate';

/**
 * Packs sections into .docx bytes.
 *
 * @example
 * const bytes = await packDocx([{ children: [new Paragraph('实施方案')] }]);
 */
export async function packDocx(sections: ISectionOptions[]): Promise<Uint8Array> {
  return new Uint8Array(await Packer.toBuffer(new Document({ sections })));
}

const WORD_NAMESPACES =
  'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' +
  'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" ' +
  'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" ' +
  'xmlns:v="urn:schemas-microsoft-com:vml" ' +
  'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" ' +
  'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"';

/**
 * A minimal .docx package whose main part has `bodyXml` as the content of w:body.
 *
 * @example
 * const bytes = docxFromBodyXml('<w:p><w:r><w:t>方案</w:t></w:r></w:p>');
 */
export function docxFromBodyXml(bodyXml: string): Uint8Array {
  return zipFiles({
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
      '</Types>',
    '_rels/.rels':
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
      '</Relationships>',
    'word/document.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ${WORD_NAMESPACES}><w:body>${bodyXml}</w:body></w:document>`,
  });
}

/** A zip archive of the given UTF-8 text files. */
export function zipFiles(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)])));
}

// Word's automatic numbering: plans whose 一、 （一） 1. （1） come from numbering.xml rather than typed text must
// read as if the numbers were typed. Documents are built with the docx package (what Word-compatible writers
// produce) or, for markup it does not write, from hand-written numbering.xml and styles.xml.
import {
  Document,
  HeadingLevel,
  LevelFormat,
  LevelSuffix,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  type ILevelsOptions,
  type IPropertiesOptions,
} from 'docx';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { importDocument } from '../../src/importer/index.ts';
import { formatListNumber } from '../../src/importer/read/docx-number-format.ts';
import { readDocument } from '../../src/importer/read/index.ts';
import { docxFromBodyXml } from '../helpers/docx.ts';

const OPTIONS = { maxBytes: 20 * 1024 * 1024 };

/** The GB/T 9704 outline as Word numbers it: 一、 › （一） › 1. › （1）, with the suffixes Word offers. */
const PLAN_OUTLINE: ILevelsOptions[] = [
  { level: 0, format: LevelFormat.CHINESE_COUNTING, text: '%1、', start: 1, suffix: LevelSuffix.NOTHING },
  { level: 1, format: LevelFormat.CHINESE_COUNTING, text: '（%2）', start: 1, suffix: LevelSuffix.TAB },
  { level: 2, format: LevelFormat.DECIMAL, text: '%3.', start: 1, suffix: LevelSuffix.SPACE },
  { level: 3, format: LevelFormat.DECIMAL, text: '（%4）', start: 1 },
];

async function pack(options: IPropertiesOptions): Promise<Uint8Array> {
  return new Uint8Array(await Packer.toBuffer(new Document(options)));
}

async function linesOf(bytes: Uint8Array): Promise<string[]> {
  return (await readDocument(bytes, '实施方案.docx', OPTIONS)).text.split('\n');
}

/** A paragraph numbered at `level` of the list `reference`. */
const numbered = (text: string, level: number, reference = 'outline', instance?: number) =>
  new Paragraph({ text, numbering: { reference, level, ...(instance === undefined ? {} : { instance }) } });

// Hand-written parts, for markup the docx package does not write.
const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"';
const numberingXml = (...definitions: string[]) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering ${W} ${MC}>${definitions.join('')}</w:numbering>`;
const stylesXml = (...styles: string[]) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles ${W}>${styles.join('')}</w:styles>`;
const level = (ilvl: number, format: string, text: string, extra = '') =>
  `<w:lvl w:ilvl="${ilvl}"><w:start w:val="1"/><w:numFmt w:val="${format}"/>${extra}<w:lvlText w:val="${text}"/><w:suff w:val="space"/></w:lvl>`;
const abstractNum = (id: number, ...levels: string[]) =>
  `<w:abstractNum w:abstractNumId="${id}"><w:multiLevelType w:val="multilevel"/>${levels.join('')}</w:abstractNum>`;
const num = (numId: number, abstractId: number, overrides = '') =>
  `<w:num w:numId="${numId}"><w:abstractNumId w:val="${abstractId}"/>${overrides}</w:num>`;
const numPr = (numId: number, ilvl?: number) =>
  `<w:numPr>${ilvl === undefined ? '' : `<w:ilvl w:val="${ilvl}"/>`}<w:numId w:val="${numId}"/></w:numPr>`;
const paragraph = (text: string, properties = '') =>
  `<w:p><w:pPr>${properties}</w:pPr><w:r><w:t xml:space="preserve">${text}</w:t></w:r></w:p>`;
const style = (id: string, inner: string, attributes = '') =>
  `<w:style w:type="paragraph" w:styleId="${id}"${attributes}><w:name w:val="${id}"/>${inner}</w:style>`;

/** A .docx with `bodyXml` as its body and extra parts (word/numbering.xml, word/styles.xml, …) added. */
function docxWithParts(bodyXml: string, parts: Record<string, string | Uint8Array>): Uint8Array {
  const files: Record<string, Uint8Array> = unzipSync(docxFromBodyXml(bodyXml));
  for (const [name, content] of Object.entries(parts)) {
    files[name] = typeof content === 'string' ? strToU8(content) : content;
  }
  return zipSync(files);
}

describe('Word automatic numbering in .docx', () => {
  it('writes the numbers of a plan outline 一、 › （一） › 1. › （1）, each level restarting under a new parent', async () => {
    const bytes = await pack({
      numbering: { config: [{ reference: 'outline', levels: PLAN_OUTLINE }] },
      sections: [
        {
          children: [
            new Paragraph({ children: [new TextRun({ text: '金山区推进长三角一体化发展三年行动方案', bold: true })] }),
            numbered('总体要求', 0),
            numbered('指导思想', 1),
            new Paragraph('以习近平新时代中国特色社会主义思想为指导。'),
            numbered('基本原则', 1),
            new Paragraph({
              children: [new TextRun({ text: '主要任务', bold: true })],
              numbering: { reference: 'outline', level: 0 },
            }),
            numbered('建设国际文旅商务区', 1),
            numbered('打造滨海会展板块', 2),
            new Paragraph({
              numbering: { reference: 'outline', level: 3 },
              children: [
                new TextRun({ text: '建设滨海特色会展区。', bold: true }),
                new TextRun('以综合会展中心项目为核心。'),
              ],
            }),
            numbered('建设海上城市会客厅。', 3),
            numbered('推进文旅融合发展', 2),
            numbered('建设乐高主题乐园。', 3),
            numbered('推进产业集聚发展', 1),
            numbered('做强先进制造业', 2),
            numbered('保障措施', 0),
            numbered('加强组织领导', 1),
          ],
        },
      ],
    });

    expect(await linesOf(bytes)).toEqual([
      '**金山区推进长三角一体化发展三年行动方案**',
      '一、总体要求',
      '（一）指导思想',
      '以习近平新时代中国特色社会主义思想为指导。',
      '（二）基本原则',
      '**二、主要任务**',
      '（一）建设国际文旅商务区',
      '1.打造滨海会展板块',
      '**（1）建设滨海特色会展区。**以综合会展中心项目为核心。',
      '（2）建设海上城市会客厅。',
      '2.推进文旅融合发展',
      '（1）建设乐高主题乐园。',
      '（二）推进产业集聚发展',
      '1.做强先进制造业',
      '三、保障措施',
      '（一）加强组织领导',
    ]);
  });

  it('numbers paragraphs whose heading style carries the numbering, and counts past 十', async () => {
    const bytes = await pack({
      numbering: { config: [{ reference: 'outline', levels: PLAN_OUTLINE }] },
      // The built-in heading styles, redefined with the outline's numbering (as a Word template would have them).
      styles: {
        default: {
          heading1: { paragraph: { numbering: { reference: 'outline', level: 0 } } },
          heading2: { paragraph: { numbering: { reference: 'outline', level: 1 } } },
        },
      },
      sections: [
        {
          children: [
            new Paragraph({ text: '总体要求', heading: HeadingLevel.HEADING_1 }),
            new Paragraph({ text: '指导思想', heading: HeadingLevel.HEADING_2 }),
            new Paragraph({ text: '基本原则', heading: HeadingLevel.HEADING_2 }),
            ...Array.from(
              { length: 10 },
              (_, index) => new Paragraph({ text: `第${index + 2}部分`, style: 'Heading1' }),
            ),
            new Paragraph('正文段落不编号。'),
            // A direct numPr beats the style's: this heading is numbered as a （一） item.
            new Paragraph({
              text: '工作机制',
              heading: HeadingLevel.HEADING_1,
              numbering: { reference: 'outline', level: 1 },
            }),
          ],
        },
      ],
    });

    expect(await linesOf(bytes)).toEqual([
      '一、总体要求',
      '（一）指导思想',
      '（二）基本原则',
      '二、第2部分',
      '三、第3部分',
      '四、第4部分',
      '五、第5部分',
      '六、第6部分',
      '七、第7部分',
      '八、第8部分',
      '九、第9部分',
      '十、第10部分',
      '十一、第11部分',
      '正文段落不编号。',
      '（一）工作机制',
    ]);
  });

  it('follows w:basedOn to a style’s numbering, takes the level a w:lvl/w:pStyle ties to the style, and survives cycles', async () => {
    const numbering = numberingXml(
      abstractNum(
        1,
        level(0, 'chineseCounting', '%1、', '<w:pStyle w:val="PlanTitle1"/>'),
        level(1, 'chineseCounting', '（%2）', '<w:pStyle w:val="PlanTitle2"/>'),
      ),
      num(7, 1),
    );
    const styles = stylesXml(
      style('Normal', '', ' w:default="1"'),
      // The numbering sits on a base style; the level comes from the w:pStyle of the level that names the style.
      style('OutlineBase', `<w:basedOn w:val="Normal"/><w:pPr>${'<w:numPr><w:numId w:val="7"/></w:numPr>'}</w:pPr>`),
      style('PlanTitle1', '<w:basedOn w:val="OutlineBase"/>'),
      style('PlanTitle2', '<w:basedOn w:val="OutlineBase"/>'),
      // Derived twice over, with the level on the style itself.
      style('Deep', '<w:basedOn w:val="PlanTitle2"/><w:pPr><w:numPr><w:ilvl w:val="1"/></w:numPr></w:pPr>'),
      // A cycle (A → B → A) and a style based on itself: no numbering, and no hang.
      style('LoopA', '<w:basedOn w:val="LoopB"/>'),
      style('LoopB', '<w:basedOn w:val="LoopA"/>'),
      style('Self', '<w:basedOn w:val="Self"/>'),
      // numId 0 takes away the numbering of the base style.
      style('Unnumbered', '<w:basedOn w:val="PlanTitle1"/><w:pPr><w:numPr><w:numId w:val="0"/></w:numPr></w:pPr>'),
    );
    const body = [
      paragraph('总体要求', '<w:pStyle w:val="PlanTitle1"/>'),
      paragraph('指导思想', '<w:pStyle w:val="PlanTitle2"/>'),
      paragraph('基本原则', '<w:pStyle w:val="Deep"/>'),
      paragraph('正文', '<w:pStyle w:val="LoopA"/>'),
      paragraph('正文', '<w:pStyle w:val="Self"/>'),
      paragraph('不编号的标题', '<w:pStyle w:val="Unnumbered"/>'),
      paragraph('主要任务', '<w:pStyle w:val="PlanTitle1"/>'),
      paragraph('直接编号取消', `<w:pStyle w:val="PlanTitle1"/>${numPr(0)}`),
      paragraph('保障措施', '<w:pStyle w:val="PlanTitle1"/>'),
    ].join('');

    expect(await linesOf(docxWithParts(body, { 'word/numbering.xml': numbering, 'word/styles.xml': styles }))).toEqual([
      '一、总体要求',
      '（一）指导思想',
      '（二）基本原则',
      '正文',
      '正文',
      '不编号的标题',
      '二、主要任务',
      '直接编号取消',
      '三、保障措施',
    ]);
  });

  it('starts where w:start and w:startOverride say, and continues a list shared by several instances', async () => {
    const numbering = numberingXml(
      abstractNum(1, level(0, 'decimal', '%1.')),
      `<w:abstractNum w:abstractNumId="2"><w:lvl w:ilvl="0"><w:start w:val="3"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>`,
      num(1, 1),
      num(2, 1, '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride>'),
      num(3, 1),
      num(4, 2),
    );
    const body = [
      paragraph('甲', numPr(1, 0)),
      paragraph('乙', numPr(1, 0)),
      paragraph('丙', numPr(2, 0)), // the override restarts the shared count at 5 …
      paragraph('丁', numPr(2, 0)),
      paragraph('戊', numPr(1, 0)), // … and the first instance carries on from it, as in Word
      paragraph('己', numPr(3, 0)), // an instance without overrides shares the count too
      paragraph('重点任务', numPr(4, 0)),
      paragraph('保障措施', numPr(4, 0)),
    ].join('');
    expect(await linesOf(docxWithParts(body, { 'word/numbering.xml': numbering }))).toEqual([
      '1.甲',
      '2.乙',
      '5.丙',
      '6.丁',
      '7.戊',
      '8.己',
      '三、重点任务',
      '四、保障措施',
    ]);

    // The docx package restarts a list by giving each `instance` its own w:num with a start override.
    const restarted = await pack({
      numbering: {
        config: [{ reference: 'tasks', levels: [{ level: 0, format: LevelFormat.DECIMAL, text: '（%1）', start: 1 }] }],
      },
      sections: [
        {
          children: [
            numbered('建设会展区', 0, 'tasks', 1),
            numbered('建设会客厅', 0, 'tasks', 1),
            new Paragraph('（二）推进产业集聚发展'),
            numbered('做强制造业', 0, 'tasks', 2),
            numbered('发展服务业', 0, 'tasks', 2),
          ],
        },
      ],
    });
    expect(await linesOf(restarted)).toEqual([
      '（1）建设会展区',
      '（2）建设会客厅',
      '（二）推进产业集聚发展',
      '（1）做强制造业',
      '（2）发展服务业',
    ]);
  });

  it('numbers a table’s 序号 column, the number standing as the cell’s text', async () => {
    const serial = () => new Paragraph({ numbering: { reference: 'serial', level: 0 } });
    const cell = (...paragraphs: Paragraph[]) => new TableCell({ children: paragraphs });
    const row = (...cells: TableCell[]) => new TableRow({ children: cells });
    const bytes = await pack({
      numbering: {
        config: [{ reference: 'serial', levels: [{ level: 0, format: LevelFormat.DECIMAL, text: '%1', start: 1 }] }],
      },
      sections: [
        {
          children: [
            new Paragraph('附件：重点任务清单'),
            new Table({
              rows: [
                row(cell(new Paragraph('序号')), cell(new Paragraph('任务')), cell(new Paragraph('牵头单位'))),
                row(cell(serial()), cell(new Paragraph('建设滨海文旅区')), cell(new Paragraph('区文化旅游局'))),
                row(cell(serial()), cell(new Paragraph('推进产业集聚')), cell(new Paragraph('区经委'))),
                row(cell(serial()), cell(new Paragraph('建设华东无人机空港')), cell(new Paragraph('区发展改革委'))),
              ],
            }),
          ],
        },
      ],
    });

    expect(await linesOf(bytes)).toEqual([
      '附件：重点任务清单',
      '| 序号 | 任务 | 牵头单位 |',
      '| 1 | 建设滨海文旅区 | 区文化旅游局 |',
      '| 2 | 推进产业集聚 | 区经委 |',
      '| 3 | 建设华东无人机空港 | 区发展改革委 |',
    ]);
  });

  it('writes nothing for a bullet list, and a bullet item does not disturb the count around it', async () => {
    const bytes = await pack({
      numbering: { config: [{ reference: 'outline', levels: PLAN_OUTLINE }] },
      sections: [
        {
          children: [
            numbered('发展目标', 0),
            new Paragraph({ text: '到2025年，地区生产总值达到1500亿元。', bullet: { level: 0 } }),
            new Paragraph({ text: '旅游综合收入260亿元以上。', bullet: { level: 1 } }),
            numbered('主要任务', 0),
          ],
        },
      ],
    });

    expect(await linesOf(bytes)).toEqual([
      '一、发展目标',
      '到2025年，地区生产总值达到1500亿元。',
      '旅游综合收入260亿元以上。',
      '二、主要任务',
    ]);
  });

  it('honours w:lvlRestart and w:isLgl, fills %1.%2. from each level in its own format, and drops leading spaces', async () => {
    const numbering = numberingXml(
      abstractNum(
        1,
        level(0, 'chineseCounting', '第%1章'),
        level(1, 'decimal', '%1.%2.', '<w:isLgl/>'),
        // Restarts only under a new chapter (level 1, one-based), not under each section.
        level(2, 'decimalEnclosedCircle', '%3', '<w:lvlRestart w:val="1"/>'),
        level(3, 'upperLetter', '%4)'),
        level(4, 'none', '', ''),
      ),
      `<w:abstractNum w:abstractNumId="2"><w:lvl w:ilvl="0"><w:start w:val="1"/>` +
        `<mc:AlternateContent><mc:Choice Requires="w14"><w:numFmt w:val="custom" w:format="01, 02, 03, ..."/></mc:Choice>` +
        `<mc:Fallback><w:numFmt w:val="decimal"/></mc:Fallback></mc:AlternateContent><w:lvlText w:val="%1 "/></w:lvl></w:abstractNum>`,
      num(1, 1),
      num(2, 2),
    );
    const body = [
      paragraph('总则', numPr(1, 0)),
      paragraph('目的', numPr(1, 1)),
      paragraph('甲项', numPr(1, 2)),
      paragraph('依据', numPr(1, 1)),
      paragraph('乙项', numPr(1, 2)),
      paragraph('子项', numPr(1, 3)),
      paragraph('无编号的层级', numPr(1, 4)),
      paragraph('\u3000\u3000分则', numPr(1, 0)),
      paragraph('范围', numPr(1, 1)),
      paragraph('丙项', numPr(1, 2)),
      paragraph('两位编号', numPr(2, 0)),
    ].join('');

    expect(await linesOf(docxWithParts(body, { 'word/numbering.xml': numbering }))).toEqual([
      '第一章总则',
      '1.1.目的',
      '①甲项',
      '1.2.依据',
      '②乙项',
      'A)子项',
      '无编号的层级',
      '第二章分则',
      '2.1.范围',
      '①丙项',
      '01 两位编号',
    ]);
  });

  it('finds the numbering part through word/_rels/document.xml.rels, as Word does', async () => {
    const body = paragraph('总体要求', numPr(1, 0));
    const relationships =
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="lists/numbering-wps.xml"/>' +
      '</Relationships>';
    const bytes = docxWithParts(body, {
      'word/_rels/document.xml.rels': relationships,
      'word/lists/numbering-wps.xml': numberingXml(abstractNum(1, level(0, 'chineseCounting', '%1、')), num(1, 1)),
      // Not the part the relationship names: ignored.
      'word/numbering.xml': numberingXml(abstractNum(1, level(0, 'decimal', '%1.')), num(1, 1)),
    });
    expect(await linesOf(bytes)).toEqual(['一、总体要求']);
  });

  it('reads a document with damaged numbering or styles parts without numbers, and never throws', async () => {
    const body = [
      paragraph('总体要求', `<w:pStyle w:val="Heading1"/>${numPr(1, 0)}`),
      paragraph('指导思想', numPr(2, 1)),
      paragraph('正文', '<w:pStyle w:val="Heading1"/>'),
    ].join('');
    const plain = ['总体要求', '指导思想', '正文'];
    const garbage = new Uint8Array(2048).map((_, index) => (index * 7919) % 251);
    const complete = numberingXml(
      num(1, 1),
      num(2, 1),
      abstractNum(1, level(0, 'decimal', '%1.'), level(1, 'decimal', '%2.')),
    );
    const damaged: Record<string, string | Uint8Array>[] = [
      // Cut off inside the first level, before its w:lvlText: the levels have no text to show.
      { 'word/numbering.xml': complete.slice(0, complete.indexOf('<w:lvlText')) },
      { 'word/numbering.xml': garbage },
      { 'word/numbering.xml': '' },
      { 'word/numbering.xml': '<w:numbering><w:num w:numId="1"><w:abstractNumId w:val="99"/></w:num>' },
      {
        'word/numbering.xml': numberingXml(
          `<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="twelve"><w:numFmt/><w:lvlText/></w:lvl><w:lvl w:ilvl="0"/></w:abstractNum>`,
          `<w:abstractNum w:abstractNumId="2"><w:numStyleLink w:val="ListA"/></w:abstractNum>`,
          num(1, 1),
          num(2, 2),
        ),
        'word/styles.xml': stylesXml(
          `<w:style w:type="numbering" w:styleId="ListA"><w:pPr>${numPr(2)}</w:pPr></w:style>`,
          style('Heading1', '<w:basedOn w:val="Heading1"/>'),
        ),
      },
      { 'word/numbering.xml': '<w:numbering><w:num w:numId="1">', 'word/styles.xml': garbage },
    ];
    for (const parts of damaged) {
      expect(await linesOf(docxWithParts(body, parts))).toEqual(plain);
    }

    // A relationship to a part that is not in the package (word/numbering.xml is used instead), and a style whose
    // numbering lies beyond a basedOn chain longer than any real one: the chain is cut, so no number.
    const chain = Array.from({ length: 5000 }, (_, index) => style(`S${index}`, `<w:basedOn w:val="S${index + 1}"/>`));
    const bytes = docxWithParts(paragraph('总体要求', '<w:pStyle w:val="S0"/>'), {
      'word/_rels/document.xml.rels':
        '<Relationships><Relationship Id="rId1" Type="…/numbering" Target="missing.xml"/></Relationships>',
      'word/numbering.xml': numberingXml(abstractNum(1, level(0, 'decimal', '%1.')), num(1, 1)),
      'word/styles.xml': stylesXml(...chain, style('S5000', `<w:pPr>${numPr(1, 0)}</w:pPr>`)),
    });
    expect(await linesOf(bytes)).toEqual(['总体要求']);
  });
});

describe('number formats', () => {
  it.each([
    ['decimal', [1, 9, 10, 120], ['1', '9', '10', '120']],
    ['chineseCounting', [1, 10, 11, 19, 20, 21, 99], ['一', '十', '十一', '十九', '二十', '二十一', '九十九']],
    [
      'chineseCountingThousand',
      [100, 101, 110, 1005, 1010, 12000],
      ['一百', '一百零一', '一百一十', '一千零五', '一千零一十', '一万二千'],
    ],
    ['chineseLegalSimplified', [1, 10, 11], ['壹', '壹拾', '壹拾壹']],
    ['ideographTraditional', [1, 2, 3, 10], ['甲', '乙', '丙', '癸']],
    ['ideographZodiac', [1, 12], ['子', '亥']],
    ['ideographDigital', [1, 10, 2025], ['一', '一〇', '二〇二五']],
    ['decimalEnclosedCircle', [1, 10, 20, 21], ['①', '⑩', '⑳', '21']],
    ['decimalEnclosedCircleChinese', [3], ['③']],
    ['decimalFullWidth', [1, 12], ['１', '１２']],
    ['decimalEnclosedParen', [1, 12], ['⑴', '⑿']],
    ['decimalEnclosedFullstop', [1, 12], ['⒈', '⒓']],
    ['decimalZero', [1, 12], ['01', '12']],
    ['upperLetter', [1, 26, 27], ['A', 'Z', 'AA']],
    ['lowerLetter', [2, 28], ['b', 'bb']],
    ['upperRoman', [4, 9, 14, 2021], ['IV', 'IX', 'XIV', 'MMXXI']],
    ['lowerRoman', [3, 40], ['iii', 'xl']],
    ['none', [1], ['']],
    ['bullet', [1], ['']],
    ['aFormatWordMayAddLater', [7], ['7']],
  ])('%s', (format, values, expected) => {
    expect(values.map((value) => formatListNumber(value, format))).toEqual(expected);
  });
});

describe('importing an auto-numbered plan', () => {
  it('gives tasks numbered （1）, （2）… under paths 一、… › （一）…, as if the numbers were typed', async () => {
    const task = (lead: string, body: string, units: string) =>
      new Paragraph({
        numbering: { reference: 'outline', level: 3 },
        children: [new TextRun({ text: lead, bold: true }), new TextRun(`${body}（牵头单位：${units}）`)],
      });
    const heading = (text: string, level: number) =>
      new Paragraph({ numbering: { reference: 'outline', level }, children: [new TextRun({ text, bold: true })] });
    const bytes = await pack({
      numbering: { config: [{ reference: 'outline', levels: PLAN_OUTLINE }] },
      sections: [
        {
          children: [
            new Paragraph({ children: [new TextRun({ text: '金山区推进长三角一体化发展三年行动方案', bold: true })] }),
            heading('总体要求', 0),
            heading('指导思想', 1),
            new Paragraph('以习近平新时代中国特色社会主义思想为指导，立足新发展阶段、贯彻新发展理念。'),
            heading('主要任务', 0),
            heading('建设国际文旅商务区', 1),
            task('建设滨海特色会展区。', '以综合会展中心项目为核心，推进商务会展区整体开发。', '区商务委'),
            task('建设海上城市会客厅。', '提升金山卫站功能定位，扩大场站客运集疏能力。', '区交通委、区规划资源局'),
            heading('推进产业集聚发展', 1),
            task('做强先进制造业。', '到2025年，规上工业产值突破3000亿元。', '区经委'),
            task('发展现代服务业。', '加快集聚现代服务业企业总部。', '区发展改革委'),
            heading('保障措施', 0),
            new Paragraph('加强组织领导，建立区级统筹推进机制。'),
          ],
        },
      ],
    });

    const { source, draft } = await importDocument(bytes, '行动方案.docx');

    expect(source.text).toContain('**（1）建设滨海特色会展区。**以综合会展中心项目为核心');
    expect(draft.tasks.map(({ number, path, title, units }) => ({ number, path, title, lead: units.lead }))).toEqual([
      {
        number: '（1）',
        path: ['二、主要任务', '（一）建设国际文旅商务区'],
        title: '建设滨海特色会展区',
        lead: ['区商务委'],
      },
      {
        number: '（2）',
        path: ['二、主要任务', '（一）建设国际文旅商务区'],
        title: '建设海上城市会客厅',
        lead: ['区交通委', '区规划资源局'],
      },
      { number: '（1）', path: ['二、主要任务', '（二）推进产业集聚发展'], title: '做强先进制造业', lead: ['区经委'] },
      {
        number: '（2）',
        path: ['二、主要任务', '（二）推进产业集聚发展'],
        title: '发展现代服务业',
        lead: ['区发展改革委'],
      },
    ]);
  });
});

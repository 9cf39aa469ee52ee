/**
 * Synthetic plans of a given size for benchmarks: the genre's shape (一、 › （一） › 1. › （N）), numbering
 * running straight through, units in brackets, a target in every third task, a page break now and then.
 */
const UNITS = ['区发改委', '区经委', '区财政局', '区文旅局', '区交通委', '区教育局', '区卫健委', '枫泾镇', '山阳镇'];
const CN = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

function cn(n: number): string {
  if (n <= 10) return CN[n - 1] ?? String(n);
  if (n < 20) return `十${CN[n - 11] ?? ''}`;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${CN[tens - 1] ?? ''}十${ones ? (CN[ones - 1] ?? '') : ''}`;
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Builds a plan of at least `bytes` UTF-8 bytes. */
export function syntheticPlan(bytes: number): string {
  const parts: string[] = [
    '某某区人民政府\n\n某府发〔2024〕3号\n\n某某区人民政府关于印发《某某区高质量发展行动方案》的通知\n\n2024年3月1日\n\n# 某某区高质量发展行动方案\n\n',
  ];
  let size = byteLength(parts[0] ?? '');
  for (let part = 1; size < bytes; part++) {
    // Numbering restarts in each part, as long plans do; a document never runs past a few hundred tasks.
    let task = 0;
    const section = `## ${cn(((part - 1) % 99) + 1)}、重点任务第${part}部分\n\n`;
    parts.push(section);
    size += byteLength(section);
    for (let strand = 1; strand <= 4 && size < bytes; strand++) {
      const heading = `### （${cn(strand)}）推进第${part}部分第${strand}方面工作\n\n`;
      parts.push(heading);
      size += byteLength(heading);
      for (let area = 1; area <= 3 && size < bytes; area++) {
        const areaText = `#### ${area}. 做强重点领域${area}\n\n围绕重点领域建设，完善工作机制，推动高质量发展。\n\n`;
        parts.push(areaText);
        size += byteLength(areaText);
        for (let k = 0; k < 4 && size < bytes; k++) {
          task++;
          const lead = UNITS[task % UNITS.length];
          const support = UNITS[(task + 3) % UNITS.length];
          const target =
            task % 3 === 0
              ? `到2025年，相关产业产值达到${100 + (task % 900)}亿元，年均增长${5 + (task % 5)}%以上。`
              : '';
          const text =
            `**（${task}）推进重点项目${task}建设。**加快推进项目前期工作，完善配套设施，强化要素保障，` +
            `推动项目早开工、早建成、早见效。${target}（牵头单位：${lead}；配合单位：${support}）\n\n` +
            (task % 25 === 0 ? '— 3 —\n\n---\n\n' : '');
          parts.push(text);
          size += byteLength(text);
        }
      }
    }
  }
  parts.push('## 保障措施\n\n强化组织领导，压实工作责任。\n\n抄送：区委各部门。\n');
  return parts.join('');
}

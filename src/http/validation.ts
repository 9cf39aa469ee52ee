/**
 * Request validation messages, Chinese first and naming the field: a client that sends `{}` for a body that needs a
 * title reads 「请求体字段 title 为必填项（body.title: Invalid input: expected string, received undefined）」.
 *
 * The issues come from fastify-type-provider-zod's validator: one per zod issue, with the zod code as `keyword`,
 * the path as `instancePath` (`/title`, `/items/0/name`) and the issue's other fields as `params`.
 */
import type { FastifyRequest } from 'fastify';

export interface ValidationIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** Each part of a request, as a whole and as the prefix of one of its fields: 「请求体字段 title」「查询参数 limit」. */
const PARTS: Readonly<Record<string, { whole: string; field: string }>> = {
  body: { whole: '请求体', field: '请求体字段' },
  querystring: { whole: '查询参数', field: '查询参数' },
  params: { whole: '路径参数', field: '路径参数' },
  headers: { whole: '请求头', field: '请求头' },
};

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: '文本',
  number: '数字',
  int: '整数',
  bigint: '整数',
  boolean: '布尔值（true 或 false）',
  object: '对象',
  array: '数组',
  date: '日期',
  tuple: '数组',
  record: '对象',
};

const FORMAT_NAMES: Readonly<Record<string, string>> = {
  email: '电子邮箱地址',
  url: '网址',
  uuid: 'UUID',
  date: '日期（YYYY-MM-DD）',
  datetime: '时间（ISO 8601）',
  time: '时刻（HH:MM:SS）',
  regex: '规定的格式',
};

// Enough to find the problem; a client with more gets them fixed one round at a time.
const MAX_ISSUES_SHOWN = 3;

const number = (value: unknown): string => String(value);

function problemOf(issue: ValidationIssue, isMissing: boolean): string {
  const { params } = issue;
  const origin = params['origin'];
  const inclusive = params['inclusive'] !== false;
  switch (issue.keyword) {
    case 'invalid_type': {
      if (isMissing) return '为必填项';
      const expected = String(params['expected']);
      return `应为${TYPE_NAMES[expected] ?? expected}`;
    }
    case 'too_small': {
      const min = number(params['minimum']);
      if (origin === 'string') return min === '1' ? '不能为空' : `至少 ${min} 个字符`;
      if (origin === 'array' || origin === 'set') return `至少 ${min} 项`;
      if (origin === 'file') return `至少 ${min} 字节`;
      if (origin === 'date') return inclusive ? `应不早于 ${min}` : `应晚于 ${min}`;
      return inclusive ? `应不小于 ${min}` : `应大于 ${min}`;
    }
    case 'too_big': {
      const max = number(params['maximum']);
      if (origin === 'string') return `最多 ${max} 个字符`;
      if (origin === 'array' || origin === 'set') return `最多 ${max} 项`;
      if (origin === 'file') return `不能超过 ${max} 字节`;
      if (origin === 'date') return inclusive ? `应不晚于 ${max}` : `应早于 ${max}`;
      return inclusive ? `应不大于 ${max}` : `应小于 ${max}`;
    }
    case 'invalid_format': {
      const format = String(params['format']);
      return `格式不正确，应为${FORMAT_NAMES[format] ?? format}`;
    }
    case 'invalid_value': {
      const values = Array.isArray(params['values']) ? params['values'] : [];
      return `应为以下之一：${values.map((value) => JSON.stringify(value)).join('、')}`;
    }
    case 'not_multiple_of':
      return `应为 ${number(params['divisor'])} 的整数倍`;
    case 'unrecognized_keys': {
      const keys = Array.isArray(params['keys']) ? params['keys'].map(String) : [];
      const shown = keys.slice(0, 5).map((key) => (key.length > 40 ? `${key.slice(0, 40)}…` : key));
      return `含有未知字段：${shown.join('、')}${keys.length > shown.length ? ' 等' : ''}`;
    }
    case 'invalid_union':
      return '不符合任何一种允许的格式';
    default:
      return '无效';
  }
}

function pathOf(issue: ValidationIssue): string[] {
  return issue.instancePath.split('/').filter((segment) => segment !== '');
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function requestPart(request: FastifyRequest, part: string | undefined): unknown {
  switch (part) {
    case 'body':
      return request.body;
    case 'querystring':
      return request.query;
    case 'params':
      return request.params;
    case 'headers':
      return request.headers;
    default:
      return undefined;
  }
}

/**
 * One message for a failed validation: up to three problems, each naming its field, Chinese first, then the same in
 * English. The request's values are only looked at to tell a missing field from a wrong one and are never echoed
 * (the names of unknown keys are).
 */
export function describeValidationError(
  issues: readonly ValidationIssue[],
  part: string | undefined,
  request: FastifyRequest,
): string {
  const where = (part !== undefined ? PARTS[part] : undefined) ?? { whole: '请求', field: '请求字段' };
  const data = requestPart(request, part);
  const chinese: string[] = [];
  const english: string[] = [];
  for (const issue of issues.slice(0, MAX_ISSUES_SHOWN)) {
    const path = pathOf(issue);
    const field = path.join('.');
    // 「请求体字段 title 为必填项」, or for the whole part 「请求体应为对象」.
    const subject = field === '' ? where.whole : `${where.field} ${field} `;
    if (issue.keyword === 'custom' && issue.message !== undefined) {
      // A schema's own message is written for the user already (Chinese first, English in brackets).
      chinese.push(`${subject.trimEnd()}：${issue.message}`);
      continue;
    }
    const isMissing = valueAt(data, path) === undefined;
    chinese.push(`${subject}${problemOf(issue, isMissing)}`);
    english.push(`${[part ?? 'request', ...path].join('.')}: ${issue.message ?? 'invalid'}`);
  }
  const more = issues.length > MAX_ISSUES_SHOWN ? `；等 ${issues.length} 个问题` : '';
  return `${chinese.join('；')}${more}${english.length > 0 ? `（${english.join('; ')}）` : ''}`;
}

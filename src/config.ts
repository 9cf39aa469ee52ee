/**
 * Configuration: the process environment, read once, validated, typed and frozen. This is the only module that may
 * read `process.env` (eslint.config.js enforces it); everything else receives a `Config`.
 *
 * A bad value stops the process with one line that names the variable, Chinese first:
 *   配置错误：PORT 应为 0–65535 之间的整数，实际为 "abc"（Invalid PORT: expected an integer from 0 to 65535, got "abc"）
 */
import { isIP } from 'node:net';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Where the data lives: one SQLite file (or memory, for tests), or a PostgreSQL database and schema. */
export type DatabaseConfig =
  | { readonly dialect: 'sqlite'; readonly filename: string }
  | {
      readonly dialect: 'postgres';
      /** The URL without Luoshi's own `schema` parameter, as handed to `pg`. */
      readonly connectionString: string;
      /** The schema to work in (`?schema=…`), or null for the server's default search path. */
      readonly schema: string | null;
      /** Whether connections prepare the statements they run (`?prepare=off` turns it off; see prepared-statements.ts). */
      readonly prepare: boolean;
    };

export interface Config {
  readonly port: number;
  readonly host: string;
  /** DATABASE_URL as given; `database` is its parsed form. */
  readonly databaseUrl: string;
  readonly database: DatabaseConfig;
  readonly dataDir: string;
  /** An IANA zone, in its canonical spelling; reporting periods end at midnight here. */
  readonly timeZone: string;
  readonly maxUploadMb: number;
  readonly logLevel: LogLevel;
  /** Sign-in and sessions (issue 4): see src/services/auth.service.ts. */
  readonly auth: AuthConfig;
  /** Attachments (evidence files): where their content is kept and how large one may be. */
  readonly files: FilesConfig;
  /** Background jobs (`src/jobs/`): status refresh, report reminders, escalation. */
  readonly jobs: JobsConfig;
  /** Sign-in through the government's OIDC provider (src/services/oidc.service.ts); null when OIDC_ISSUER is unset. */
  readonly oidc: OidcConfig | null;
  /**
   * AUDIT_KEY: the key of the HMAC that anchors each workspace's audit chain head (src/domain/audit-chain.ts), kept
   * outside the database; null when unset (the chains are then unanchored). A KeyObject, so that printing or
   * serialising the configuration never shows it.
   */
  readonly auditKey: KeyObject | null;
  /** The general API rate limit (src/http/rate-limit.ts); sign-in and upload limits are in `auth`. */
  readonly rateLimits: RateLimitsConfig;
  /** `open`: Swagger UI and the OpenAPI document at /api/docs; `off`: /api/docs answers 404. */
  readonly apiDocs: ApiDocsMode;
  /** The reader thread every uploaded document is read in (src/importer/worker/document-reader.ts). */
  readonly documentReader: DocumentReaderConfig;
}

export type ApiDocsMode = 'open' | 'off';

/**
 * Requests per minute (fixed one-minute windows, counted in the database so that every app process sees one count):
 * each request counts against its client address, and a signed-in one against its session too.
 */
export interface RateLimitsConfig {
  readonly perSessionPerMinute: number;
  readonly perAddressPerMinute: number;
}

/** What reading one document may take; past either, it is stopped and refused (`resource-limit`). */
export interface DocumentReaderConfig {
  /** Wall-clock milliseconds (IMPORT_TIME_LIMIT_SECONDS × 1000). */
  readonly timeLimitMs: number;
  /** The reader thread's JavaScript heap, and how far the process may grow while it reads, in MiB. */
  readonly memoryMb: number;
}

/** An OpenID Connect relying party: Authorization Code flow with PKCE, the client authenticated by its secret. */
export interface OidcConfig {
  /** The provider's issuer URL, exactly as its discovery document and ID tokens spell it. */
  readonly issuer: string;
  readonly clientId: string;
  /** Sent with HTTP Basic authentication to the token endpoint (client_secret_basic); never logged. */
  readonly clientSecret: string;
  /** The callback URL as registered at the provider (…/api/auth/oidc/callback behind the deployment's proxy). */
  readonly redirectUri: string;
  /** Always includes `openid`. */
  readonly scopes: readonly string[];
}

export interface JobsConfig {
  /** JOBS=off runs none (another process runs them, or a test drives them by hand). */
  readonly enabled: boolean;
  /** A reminder (提醒) goes to a unit this many days before its report is due. */
  readonly reminderDaysBefore: number;
  /** The days a unit gets to answer a notice a job issues after a deadline or escalates. */
  readonly noticeResponseDays: number;
}

/**
 * `db`: content in the database (`files.data`), backed up with it; `disk`: content-addressed files under
 * DATA_DIR/files, for large volumes (the database keeps the metadata and the relative path).
 */
export type FileStorageMode = 'db' | 'disk';

export interface FilesConfig {
  readonly storage: FileStorageMode;
  /** The largest attachment, in megabytes (413 above it). */
  readonly maxAttachmentMb: number;
}

export interface AuthConfig {
  /** A session ends after this many minutes without a request (等保: 30 at most). */
  readonly sessionIdleMinutes: number;
  /** …and this many hours after sign-in, whatever the activity. */
  readonly sessionMaxHours: number;
  /** Days a password is good for; 0: no expiry. */
  readonly passwordMaxAgeDays: number;
  /** log2 of scrypt's N for new password hashes (15 in production; tests lower it to save time). */
  readonly passwordHashCost: number;
  /**
   * The reverse proxies (addresses, CIDR networks, or the names `loopback`, `linklocal`, `uniquelocal`) whose
   * X-Forwarded-For / -Proto / -Host are believed, in Fastify's `trustProxy` form; empty: none, the socket's
   * address is the client's. A header from any other address is ignored.
   */
  readonly trustProxy: readonly string[];
  /** Sign-in attempts per client address per minute. */
  readonly signInRatePerMinute: number;
  /** Uploads per user per minute. */
  readonly uploadRatePerMinute: number;
}

export const CONFIG_DEFAULTS = Object.freeze({
  PORT: '3000',
  HOST: '127.0.0.1',
  DATABASE_URL: 'sqlite:./data/luoshi.db',
  DATA_DIR: './data',
  TIME_ZONE: 'Asia/Shanghai',
  MAX_UPLOAD_MB: '20',
  LOG_LEVEL: 'info',
  SESSION_IDLE_MINUTES: '30',
  SESSION_MAX_HOURS: '12',
  PASSWORD_MAX_AGE_DAYS: '90',
  PASSWORD_HASH_COST: '15',
  TRUST_PROXY: 'false',
  SIGN_IN_RATE_PER_MINUTE: '10',
  UPLOAD_RATE_PER_MINUTE: '30',
  // A page of the web app makes a handful of requests; a person does not make 300 a minute. Several people may
  // share one address (an office behind NAT), hence the higher count per address.
  API_RATE_PER_MINUTE: '300',
  API_RATE_PER_ADDRESS_PER_MINUTE: '1200',
  API_DOCS: 'open',
  FILE_STORAGE: 'db',
  MAX_ATTACHMENT_MB: '20',
  JOBS: 'on',
  REMINDER_DAYS_BEFORE: '3',
  NOTICE_RESPONSE_DAYS: '5',
  IMPORT_TIME_LIMIT_SECONDS: '30',
  IMPORT_MEMORY_MB: '512',
  // OIDC is off unless OIDC_ISSUER is set; then the client id, secret and redirect URI must be set too.
  OIDC_ISSUER: '',
  OIDC_CLIENT_ID: '',
  OIDC_CLIENT_SECRET: '',
  OIDC_REDIRECT_URI: '',
  OIDC_SCOPES: 'openid profile',
  // Unset: audit chains are unanchored (`luoshi audit verify` says so). See docs/SECURITY.md.
  AUDIT_KEY: '',
});

export type ConfigVariable = keyof typeof CONFIG_DEFAULTS;

/** A configuration value that cannot be used. `message` is one line, Chinese first, naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: ConfigVariable,
    readonly received: string,
    expectedZh: string,
    expectedEn: string,
  ) {
    const shown = JSON.stringify(received.length > 200 ? `${received.slice(0, 200)}…` : received);
    super(
      `配置错误：${variable} 应为${expectedZh}，实际为 ${shown}（Invalid ${variable}: expected ${expectedEn}, got ${shown}）`,
    );
  }
}

// PostgreSQL folds unquoted names to lower case; keeping schema names to this shape means they never need quoting
// (they are passed in the connection's startup options and in `create schema`).
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Reads a DATABASE_URL: `sqlite:<path>` (relative to the working directory), `sqlite::memory:`, or
 * `postgres://…` / `postgresql://…` with an optional `?schema=name` and `?prepare=on|off`. Returns null when it is
 * none of these.
 */
export function parseDatabaseUrl(url: string): DatabaseConfig | null {
  if (url.startsWith('sqlite:')) {
    const filename = url.slice('sqlite:'.length);
    if (filename === '' || filename.includes('\0')) return null;
    return { dialect: 'sqlite', filename };
  }
  if (!/^postgres(?:ql)?:\/\//.test(url)) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) return null;
  const schema = parsed.searchParams.get('schema');
  if (schema !== null && !SCHEMA_NAME.test(schema)) return null;
  const prepare = parsed.searchParams.get('prepare') ?? 'on';
  if (prepare !== 'on' && prepare !== 'off') return null;
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('prepare');
  return { dialect: 'postgres', connectionString: parsed.toString(), schema, prepare: prepare === 'on' };
}

/** The named ranges Fastify's `trustProxy` (proxy-addr) knows. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * Reads TRUST_PROXY: `false` (or empty) for none, or a comma-separated list of IPv4 / IPv6 addresses, CIDR networks
 * (`10.0.0.0/8`, `fd00::/8`; not `/0`) and the names `loopback`, `linklocal`, `uniquelocal`, as Fastify's
 * `trustProxy` takes them. Returns null for anything else — `true` included.
 */
export function parseTrustedProxies(value: string): readonly string[] | null {
  if (value === 'false' || value === '') return Object.freeze([]);
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (PROXY_RANGE_NAMES.includes(entry)) continue;
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    // A zone (`fe80::1%eth0`) means nothing to a proxy's address as the socket reports it.
    if (family === 0 || address.includes('%') || rest.length > 0) return null;
    if (prefix === undefined) continue;
    if (!/^\d{1,3}$/.test(prefix)) return null;
    const bits = Number(prefix);
    if (bits < 1 || bits > (family === 4 ? 32 : 128)) return null;
  }
  return Object.freeze(entries);
}

function isTimeZone(value: string): boolean {
  // Intl also accepts offsets such as "+08:00" on newer runtimes; the plan's periods need a named zone.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function canonicalTimeZone(value: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
}

interface Rule<T> {
  schema: z.ZodType<T, string>;
  zh: string;
  en: string;
}

/**
 * An absolute http(s) URL without credentials, query or fragment; plain http only for this machine (127.0.0.1, ::1,
 * localhost), where tests and a local provider run: elsewhere the code and tokens must travel over TLS.
 */
export function isOidcUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '' || value.includes('#') || value.includes('?')) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

/** Empty (unset) or a value the rule accepts: the OIDC variables are checked together in `readOidc`. */
function optional(schema: z.ZodType<string, string>): z.ZodType<string, string> {
  return z.union([z.literal(''), schema]);
}

function integerRule(min: number, max: number, zh: string, en: string): Rule<number> {
  return {
    schema: z
      .string()
      .regex(/^\d{1,10}$/)
      .transform(Number)
      .pipe(z.number().int().min(min).max(max)),
    zh,
    en,
  };
}

interface Values {
  PORT: number;
  HOST: string;
  DATABASE_URL: DatabaseConfig;
  DATA_DIR: string;
  TIME_ZONE: string;
  MAX_UPLOAD_MB: number;
  LOG_LEVEL: LogLevel;
  SESSION_IDLE_MINUTES: number;
  SESSION_MAX_HOURS: number;
  PASSWORD_MAX_AGE_DAYS: number;
  PASSWORD_HASH_COST: number;
  TRUST_PROXY: readonly string[];
  SIGN_IN_RATE_PER_MINUTE: number;
  UPLOAD_RATE_PER_MINUTE: number;
  API_RATE_PER_MINUTE: number;
  API_RATE_PER_ADDRESS_PER_MINUTE: number;
  API_DOCS: ApiDocsMode;
  FILE_STORAGE: FileStorageMode;
  MAX_ATTACHMENT_MB: number;
  JOBS: boolean;
  REMINDER_DAYS_BEFORE: number;
  NOTICE_RESPONSE_DAYS: number;
  IMPORT_TIME_LIMIT_SECONDS: number;
  IMPORT_MEMORY_MB: number;
  OIDC_ISSUER: string;
  OIDC_CLIENT_ID: string;
  OIDC_CLIENT_SECRET: string;
  OIDC_REDIRECT_URI: string;
  OIDC_SCOPES: readonly string[];
  AUDIT_KEY: KeyObject | null;
}

/** The audit key's size in bytes: at least HMAC-SHA256's output (RFC 2104 §3), at most a sane bound. */
const AUDIT_KEY_MIN_BYTES = 32;
const AUDIT_KEY_MAX_BYTES = 1024;

/**
 * AUDIT_KEY's bytes: hex (an even number of hex digits) or base64 (standard or URL-safe, padding optional), as
 * `openssl rand -hex 32` or `openssl rand -base64 32` print them; null when it is neither, or shorter than 32 bytes,
 * or every byte is the same (a placeholder such as 64 zeros, not a key).
 */
export function decodeAuditKey(text: string): Buffer | null {
  let bytes: Buffer;
  if (/^(?:[0-9a-fA-F]{2})+$/.test(text)) bytes = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) || /^[A-Za-z0-9_-]+={0,2}$/.test(text)) {
    bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    // Node ignores stray bits; a string that does not round-trip is not base64 of anything.
    const again = bytes.toString(text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    if (again.replace(/=+$/, '') !== text.replace(/=+$/, '')) return null;
  } else return null;
  if (bytes.length < AUDIT_KEY_MIN_BYTES || bytes.length > AUDIT_KEY_MAX_BYTES) return null;
  if (bytes.every((byte) => byte === bytes[0])) return null;
  return bytes;
}

const RULES: { readonly [K in ConfigVariable]: Rule<Values[K]> } = {
  PORT: integerRule(0, 65_535, ' 0–65535 之间的整数', 'an integer from 0 to 65535'),
  HOST: {
    schema: z.string().regex(/^[^\s/]+$/),
    zh: '主机名或 IP 地址（不含空格和斜杠）',
    en: 'a host name or IP address',
  },
  DATABASE_URL: {
    schema: z.string().transform((url, ctx) => {
      const database = parseDatabaseUrl(url);
      if (database === null) {
        ctx.addIssue({ code: 'custom', message: 'bad database url' });
        return z.NEVER;
      }
      return database;
    }),
    zh: ' sqlite:<文件路径>、sqlite::memory: 或 postgres://…（可带 ?schema=小写名称、?prepare=on|off）',
    en: 'sqlite:<path>, sqlite::memory: or postgres://… (optionally ?schema=lowercase_name, ?prepare=on|off)',
  },
  DATA_DIR: {
    schema: z.string().refine((dir) => !dir.includes('\0')),
    zh: '一个目录路径',
    en: 'a directory path',
  },
  TIME_ZONE: {
    schema: z.string().refine(isTimeZone).transform(canonicalTimeZone),
    zh: ' IANA 时区名称，如 Asia/Shanghai',
    en: 'an IANA time zone such as Asia/Shanghai',
  },
  // The upload limit is enforced in memory and file sizes are stored as 32-bit integers, so it stays at 1 GiB or less.
  MAX_UPLOAD_MB: integerRule(1, 1024, ' 1–1024 之间的整数（MB）', 'an integer from 1 to 1024 (megabytes)'),
  LOG_LEVEL: {
    schema: z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]]),
    zh: `以下之一：${LOG_LEVELS.join('、')}`,
    en: `one of ${LOG_LEVELS.join(', ')}`,
  },
  SESSION_IDLE_MINUTES: integerRule(1, 30, ' 1–30 之间的整数（分钟）', 'an integer from 1 to 30 (minutes)'),
  SESSION_MAX_HOURS: integerRule(1, 24, ' 1–24 之间的整数（小时）', 'an integer from 1 to 24 (hours)'),
  PASSWORD_MAX_AGE_DAYS: integerRule(
    0,
    3650,
    ' 0–3650 之间的整数（天，0 为不过期）',
    'an integer from 0 to 3650 (days; 0: never)',
  ),
  PASSWORD_HASH_COST: integerRule(
    10,
    20,
    ' 10–20 之间的整数（scrypt 的 log2 N）',
    'an integer from 10 to 20 (log2 of scrypt N)',
  ),
  // `true` (believe X-Forwarded-For from anyone) would let every client choose the address that the audit trail
  // records and the sign-in limit counts: it is refused, as is a network of everything (/0).
  TRUST_PROXY: {
    schema: z.string().transform((value, ctx) => {
      const proxies = parseTrustedProxies(value);
      if (proxies === null) {
        ctx.addIssue({ code: 'custom', message: 'bad proxy list' });
        return z.NEVER;
      }
      return proxies;
    }),
    zh:
      '反向代理的 IP 地址或网段（CIDR）列表，以逗号分隔，如 127.0.0.1,10.0.0.0/8,fd00::/8，或 false（不信任任何代理）；' +
      '不接受 true：它让任何客户端都能用 X-Forwarded-For 伪造自己的地址',
    en:
      "a comma-separated list of the reverse proxies' IP addresses or CIDRs, e.g. 127.0.0.1,10.0.0.0/8,fd00::/8, or " +
      'false (no proxy); true is refused: it lets any client forge its address with X-Forwarded-For',
  },
  SIGN_IN_RATE_PER_MINUTE: integerRule(1, 1000, ' 1–1000 之间的整数', 'an integer from 1 to 1000'),
  UPLOAD_RATE_PER_MINUTE: integerRule(1, 1000, ' 1–1000 之间的整数', 'an integer from 1 to 1000'),
  // Up to a million, so that tests (and load tests) that send thousands of requests from one address can set it
  // out of their way.
  API_RATE_PER_MINUTE: integerRule(10, 1_000_000, ' 10–1000000 之间的整数', 'an integer from 10 to 1000000'),
  API_RATE_PER_ADDRESS_PER_MINUTE: integerRule(
    10,
    1_000_000,
    ' 10–1000000 之间的整数',
    'an integer from 10 to 1000000',
  ),
  API_DOCS: {
    schema: z.enum(['open', 'off']),
    zh: ' open（提供 /api/docs 接口文档）或 off（不提供）',
    en: 'open (serve the API documentation at /api/docs) or off',
  },
  FILE_STORAGE: {
    schema: z.enum(['db', 'disk']),
    zh: ' db（存入数据库）或 disk（存入 DATA_DIR/files）',
    en: 'db (in the database) or disk (under DATA_DIR/files)',
  },
  // Held in memory while it is checked and stored, as plan uploads are: 1 GiB at most.
  MAX_ATTACHMENT_MB: integerRule(1, 1024, ' 1–1024 之间的整数（MB）', 'an integer from 1 to 1024 (megabytes)'),
  JOBS: {
    schema: z.enum(['on', 'off']).transform((value) => value === 'on'),
    zh: ' on 或 off',
    en: 'on or off',
  },
  REMINDER_DAYS_BEFORE: integerRule(0, 60, ' 0–60 之间的整数（天）', 'an integer from 0 to 60 (days)'),
  NOTICE_RESPONSE_DAYS: integerRule(1, 60, ' 1–60 之间的整数（天）', 'an integer from 1 to 60 (days)'),
  IMPORT_TIME_LIMIT_SECONDS: integerRule(1, 600, ' 1–600 之间的整数（秒）', 'an integer from 1 to 600 (seconds)'),
  // Below 64 MB the reader thread cannot hold pdf.js itself.
  IMPORT_MEMORY_MB: integerRule(64, 16_384, ' 64–16384 之间的整数（MB）', 'an integer from 64 to 16384 (megabytes)'),
  OIDC_ISSUER: {
    schema: optional(z.string().max(500).refine(isOidcUrl)),
    zh: ' https:// 开头的签发者地址（仅本机可用 http://）',
    en: 'an https:// issuer URL (http:// only for localhost)',
  },
  // Both are VSCHAR strings (RFC 6749 Appendix A): printable ASCII, spaces allowed.
  OIDC_CLIENT_ID: {
    schema: optional(z.string().regex(/^[\x20-\x7e]{1,255}$/)),
    zh: '由可打印 ASCII 字符组成的客户端标识（设置 OIDC_ISSUER 时必填）',
    en: 'a client id of printable ASCII characters (required with OIDC_ISSUER)',
  },
  OIDC_CLIENT_SECRET: {
    schema: optional(z.string().regex(/^[\x20-\x7e]{1,1024}$/)),
    zh: '由可打印 ASCII 字符组成的客户端密钥（设置 OIDC_ISSUER 时必填）',
    en: 'a client secret of printable ASCII characters (required with OIDC_ISSUER)',
  },
  OIDC_REDIRECT_URI: {
    schema: optional(z.string().max(2000).refine(isOidcUrl)),
    zh: '在认证服务登记的回调地址，https:// 开头（仅本机可用 http://；设置 OIDC_ISSUER 时必填）',
    en: 'the registered callback URL, https:// (http:// only for localhost; required with OIDC_ISSUER)',
  },
  OIDC_SCOPES: {
    schema: z
      .string()
      .regex(/^[\x21-\x7e]+(?: +[\x21-\x7e]+)*$/)
      .transform((value) => [...new Set(value.split(/ +/))])
      .refine((scopes) => scopes.includes('openid')),
    zh: '以空格分隔、包含 openid 的范围列表',
    en: 'space-separated scopes including openid',
  },
  AUDIT_KEY: {
    schema: z.string().transform((text, ctx) => {
      if (text === '') return null;
      const bytes = decodeAuditKey(text);
      if (bytes === null) {
        ctx.addIssue({ code: 'custom', message: 'bad audit key' });
        return z.NEVER;
      }
      return createSecretKey(bytes);
    }),
    zh: '至少 32 字节的随机密钥，十六进制或 base64 编码（如 openssl rand -base64 32 的输出）',
    en: 'a random key of at least 32 bytes, hex or base64 (as printed by openssl rand -base64 32)',
  },
};

/** Variables never shown in an error message, not even in part. */
const SECRET_VARIABLES: readonly ConfigVariable[] = ['OIDC_CLIENT_SECRET', 'AUDIT_KEY'];

function read<K extends ConfigVariable>(env: Readonly<Record<string, string | undefined>>, variable: K): Values[K] {
  const raw = env[variable];
  // An empty value means "not set": `PORT= npm start` and a blank line in an env file fall back to the default.
  const value = raw === undefined || raw.trim() === '' ? CONFIG_DEFAULTS[variable] : raw.trim();
  const rule: Rule<Values[K]> = RULES[variable];
  const result = rule.schema.safeParse(value);
  if (!result.success) {
    // The message goes to logs and terminals: never with the database password in it.
    const shown =
      variable === 'DATABASE_URL'
        ? value.replace(/(\/\/[^/:@]*):[^@/]*@/, '$1:***@')
        : SECRET_VARIABLES.includes(variable)
          ? '***'
          : (raw ?? value);
    throw new ConfigError(variable, shown, rule.zh, rule.en);
  }
  return result.data;
}

/**
 * Builds the configuration from an environment (the process's by default). Pure over its argument, so tests pass
 * their own. Throws `ConfigError` for the first bad variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const port = read(env, 'PORT');
  const host = read(env, 'HOST');
  const database = Object.freeze(read(env, 'DATABASE_URL'));
  return Object.freeze({
    port,
    host,
    databaseUrl: (env['DATABASE_URL'] ?? '').trim() || CONFIG_DEFAULTS.DATABASE_URL,
    database,
    dataDir: read(env, 'DATA_DIR'),
    timeZone: read(env, 'TIME_ZONE'),
    maxUploadMb: read(env, 'MAX_UPLOAD_MB'),
    logLevel: read(env, 'LOG_LEVEL'),
    auth: Object.freeze({
      sessionIdleMinutes: read(env, 'SESSION_IDLE_MINUTES'),
      sessionMaxHours: read(env, 'SESSION_MAX_HOURS'),
      passwordMaxAgeDays: read(env, 'PASSWORD_MAX_AGE_DAYS'),
      passwordHashCost: read(env, 'PASSWORD_HASH_COST'),
      trustProxy: read(env, 'TRUST_PROXY'),
      signInRatePerMinute: read(env, 'SIGN_IN_RATE_PER_MINUTE'),
      uploadRatePerMinute: read(env, 'UPLOAD_RATE_PER_MINUTE'),
    }),
    files: Object.freeze({
      storage: read(env, 'FILE_STORAGE'),
      maxAttachmentMb: read(env, 'MAX_ATTACHMENT_MB'),
    }),
    jobs: Object.freeze({
      enabled: read(env, 'JOBS'),
      reminderDaysBefore: read(env, 'REMINDER_DAYS_BEFORE'),
      noticeResponseDays: read(env, 'NOTICE_RESPONSE_DAYS'),
    }),
    oidc: readOidc(env),
    rateLimits: Object.freeze({
      perSessionPerMinute: read(env, 'API_RATE_PER_MINUTE'),
      perAddressPerMinute: read(env, 'API_RATE_PER_ADDRESS_PER_MINUTE'),
    }),
    apiDocs: read(env, 'API_DOCS'),
    auditKey: read(env, 'AUDIT_KEY'),
    documentReader: Object.freeze({
      timeLimitMs: read(env, 'IMPORT_TIME_LIMIT_SECONDS') * 1000,
      memoryMb: read(env, 'IMPORT_MEMORY_MB'),
    }),
  });
}

/**
 * AUDIT_KEY alone, from an environment (the process's by default): for commands that take their database from an
 * option rather than DATABASE_URL and should not fail on the server's other variables.
 */
export function loadAuditKey(env: Readonly<Record<string, string | undefined>> = process.env): KeyObject | null {
  return read(env, 'AUDIT_KEY');
}

/**
 * The OIDC group: null when none of it is set; complete when OIDC_ISSUER is set. A partly set group stops the start,
 * naming the first variable missing, rather than leaving sign-in silently off or half on.
 */
function readOidc(env: Readonly<Record<string, string | undefined>>): OidcConfig | null {
  const issuer = read(env, 'OIDC_ISSUER');
  const clientId = read(env, 'OIDC_CLIENT_ID');
  const clientSecret = read(env, 'OIDC_CLIENT_SECRET');
  const redirectUri = read(env, 'OIDC_REDIRECT_URI');
  const scopes = read(env, 'OIDC_SCOPES');
  const required = [
    ['OIDC_CLIENT_ID', clientId],
    ['OIDC_CLIENT_SECRET', clientSecret],
    ['OIDC_REDIRECT_URI', redirectUri],
  ] as const;
  if (issuer === '') {
    const stray = required.find(([, value]) => value !== '');
    if (stray === undefined) return null;
    throw new ConfigError(
      'OIDC_ISSUER',
      '',
      `认证服务的签发者地址（已设置 ${stray[0]}）`,
      `the provider's issuer URL (${stray[0]} is set)`,
    );
  }
  for (const [variable, value] of required) {
    if (value === '') throw new ConfigError(variable, '', RULES[variable].zh, RULES[variable].en);
  }
  return Object.freeze({ issuer, clientId, clientSecret, redirectUri, scopes: Object.freeze([...scopes]) });
}

let cached: Config | undefined;

/** The process's configuration, read from `process.env` on the first call and the same frozen object after. */
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}

/**
 * Configuration: the process environment, read once, validated, typed and frozen. This is the only module that may
 * read `process.env` (eslint.config.js enforces it); everything else receives a `Config`.
 *
 * A bad value stops the process with one line that names the variable, Chinese first:
 *   配置错误：PORT 应为 0–65535 之间的整数，实际为 "abc"（Invalid PORT: expected an integer from 0 to 65535, got "abc"）
 */
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
}

export const CONFIG_DEFAULTS = Object.freeze({
  PORT: '3000',
  HOST: '127.0.0.1',
  DATABASE_URL: 'sqlite:./data/luoshi.db',
  DATA_DIR: './data',
  TIME_ZONE: 'Asia/Shanghai',
  MAX_UPLOAD_MB: '20',
  LOG_LEVEL: 'info',
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
 * `postgres://…` / `postgresql://…` with an optional `?schema=name`. Returns null when it is none of these.
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
  parsed.searchParams.delete('schema');
  return { dialect: 'postgres', connectionString: parsed.toString(), schema };
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
    zh: ' sqlite:<文件路径>、sqlite::memory: 或 postgres://…（可带 ?schema=小写名称）',
    en: 'sqlite:<path>, sqlite::memory: or postgres://… (optionally ?schema=lowercase_name)',
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
};

function read<K extends ConfigVariable>(env: Readonly<Record<string, string | undefined>>, variable: K): Values[K] {
  const raw = env[variable];
  // An empty value means "not set": `PORT= npm start` and a blank line in an env file fall back to the default.
  const value = raw === undefined || raw.trim() === '' ? CONFIG_DEFAULTS[variable] : raw.trim();
  const rule: Rule<Values[K]> = RULES[variable];
  const result = rule.schema.safeParse(value);
  if (!result.success) {
    // The message goes to logs and terminals: never with the database password in it.
    const shown = variable === 'DATABASE_URL' ? value.replace(/(\/\/[^/:@]*):[^@/]*@/, '$1:***@') : (raw ?? value);
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
  });
}

let cached: Config | undefined;

/** The process's configuration, read from `process.env` on the first call and the same frozen object after. */
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}

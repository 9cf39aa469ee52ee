import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  getConfig,
  loadAuditKey,
  loadConfig,
  parseDatabaseUrl,
  type ConfigVariable,
} from '../src/config.ts';

describe('loadConfig', () => {
  const saved = process.env.PORT;
  afterEach(() => {
    if (saved === undefined) delete process.env.PORT;
    else process.env.PORT = saved;
  });

  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: 'sqlite:./data/luoshi.db',
      database: { dialect: 'sqlite', filename: './data/luoshi.db' },
      dataDir: './data',
      timeZone: 'Asia/Shanghai',
      maxUploadMb: 20,
      logLevel: 'info',
      auth: {
        sessionIdleMinutes: 30,
        sessionMaxHours: 12,
        passwordMaxAgeDays: 90,
        passwordHashCost: 15,
        trustProxy: [],
        signInRatePerMinute: 10,
        uploadRatePerMinute: 30,
      },
      files: { storage: 'db', maxAttachmentMb: 20 },
      jobs: { enabled: true, reminderDaysBefore: 3, noticeResponseDays: 5 },
      oidc: null,
      rateLimits: { perSessionPerMinute: 300, perAddressPerMinute: 1200 },
      apiDocs: 'open',
      auditKey: null,
      documentReader: { timeLimitMs: 30_000, memoryMb: 512 },
    });
  });

  describe('AUDIT_KEY (finding 4: audit chain rewritable)', () => {
    const bytes = Buffer.from('8f3a1c5e9b2d4f6a0e7c1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a', 'hex');
    /** What a key computes, since the KeyObject itself never shows its bytes. */
    const macOf = (key: ReturnType<typeof loadAuditKey>) =>
      key === null ? null : createHmac('sha256', key).update('x').digest('hex');
    const expected = createHmac('sha256', bytes).update('x').digest('hex');

    it('takes 32 bytes or more in hex or base64 (standard or URL-safe), and nothing when unset', () => {
      expect(macOf(loadConfig({ AUDIT_KEY: bytes.toString('hex') }).auditKey)).toBe(expected);
      expect(macOf(loadConfig({ AUDIT_KEY: bytes.toString('hex').toUpperCase() }).auditKey)).toBe(expected);
      expect(macOf(loadConfig({ AUDIT_KEY: ` ${bytes.toString('base64')} ` }).auditKey)).toBe(expected);
      expect(macOf(loadConfig({ AUDIT_KEY: bytes.toString('base64url') }).auditKey)).toBe(expected);
      expect(loadConfig({ AUDIT_KEY: '' }).auditKey).toBeNull();
      expect(loadAuditKey({})).toBeNull();
      expect(macOf(loadAuditKey({ AUDIT_KEY: bytes.toString('base64') }))).toBe(expected);
    });

    it.each([
      ['31 bytes', bytes.subarray(0, 31).toString('hex')],
      ['an odd number of hex digits', bytes.toString('hex').slice(1)],
      ['a pass phrase', 'correct horse battery staple, correct horse'],
      ['base64 with stray characters', `${bytes.toString('base64')}!`],
      ['64 zeros', '0'.repeat(64)],
    ])('refuses %s, without ever showing the value', (_what, value) => {
      let error: unknown;
      try {
        loadConfig({ AUDIT_KEY: value });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toMatch(/^配置错误：AUDIT_KEY 应为至少 32 字节的随机密钥/);
      expect(message).toContain('"***"');
      expect(message).not.toContain(value.slice(0, 12));
    });

    it('never shows the key when the configuration is printed or serialised', () => {
      const config = loadConfig({ AUDIT_KEY: bytes.toString('hex') });
      for (const text of [JSON.stringify(config), inspect(config, { depth: 10 }), String(config.auditKey)]) {
        expect(text).not.toContain(bytes.toString('hex'));
        expect(text).not.toContain(bytes.toString('base64').slice(0, 20));
      }
    });
  });

  const oidcEnv = {
    OIDC_ISSUER: 'https://id.example.gov.cn/realms/district',
    OIDC_CLIENT_ID: 'luoshi',
    OIDC_CLIENT_SECRET: 's3cret-value',
    OIDC_REDIRECT_URI: 'https://luoshi.example.gov.cn/api/auth/oidc/callback',
  };

  it('reads the OIDC group, with "openid profile" as the default scopes', () => {
    expect(loadConfig(oidcEnv).oidc).toEqual({
      issuer: 'https://id.example.gov.cn/realms/district',
      clientId: 'luoshi',
      clientSecret: 's3cret-value',
      redirectUri: 'https://luoshi.example.gov.cn/api/auth/oidc/callback',
      scopes: ['openid', 'profile'],
    });
    expect(loadConfig({ ...oidcEnv, OIDC_SCOPES: 'openid  email openid' }).oidc?.scopes).toEqual(['openid', 'email']);
    // Plain http only for this machine, where tests run their own provider.
    expect(loadConfig({ ...oidcEnv, OIDC_ISSUER: 'http://127.0.0.1:8080' }).oidc?.issuer).toBe('http://127.0.0.1:8080');
  });

  it.each([
    [{ ...oidcEnv, OIDC_CLIENT_ID: '' }, 'OIDC_CLIENT_ID'],
    [{ ...oidcEnv, OIDC_CLIENT_SECRET: ' ' }, 'OIDC_CLIENT_SECRET'],
    [{ ...oidcEnv, OIDC_REDIRECT_URI: undefined }, 'OIDC_REDIRECT_URI'],
    [{ ...oidcEnv, OIDC_ISSUER: '' }, 'OIDC_ISSUER'],
    [{ OIDC_REDIRECT_URI: oidcEnv.OIDC_REDIRECT_URI }, 'OIDC_ISSUER'],
  ])('stops on a partly set OIDC group, naming the missing variable (%#)', (env, variable) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(
      new RegExp(`^配置错误：${variable} 应为[^\\n]*Invalid ${variable}:`),
    );
  });

  it('never repeats the OIDC client secret', () => {
    let message = '';
    try {
      loadConfig({ ...oidcEnv, OIDC_CLIENT_SECRET: 'top\u0001secret' });
    } catch (caught) {
      message = (caught as ConfigError).message;
    }
    expect(message).toMatch(/^配置错误：OIDC_CLIENT_SECRET /);
    expect(message).not.toContain('secret"');
    expect(message).toContain('"***"');
  });

  it('reads only the environment it is given', () => {
    process.env.PORT = '4321';
    expect(loadConfig({}).port).toBe(3000);
    expect(loadConfig({ PORT: '8080' }).port).toBe(8080);
  });

  it('takes every variable, trimmed, and treats an empty one as unset', () => {
    const config = loadConfig({
      PORT: ' 0 ',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://luoshi:secret@db.internal:5433/luoshi?schema=district_a&sslmode=require',
      DATA_DIR: '/var/lib/luoshi',
      TIME_ZONE: 'asia/urumqi',
      MAX_UPLOAD_MB: '100',
      LOG_LEVEL: '',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      database: {
        dialect: 'postgres',
        connectionString: 'postgresql://luoshi:secret@db.internal:5433/luoshi?sslmode=require',
        schema: 'district_a',
      },
      dataDir: '/var/lib/luoshi',
      timeZone: 'Asia/Urumqi',
      maxUploadMb: 100,
      logLevel: 'info',
    });
  });

  it('selects the database from the URL', () => {
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ dialect: 'sqlite', filename: ':memory:' });
    expect(parseDatabaseUrl('sqlite:/srv/luoshi/luoshi.db')).toEqual({
      dialect: 'sqlite',
      filename: '/srv/luoshi/luoshi.db',
    });
    expect(parseDatabaseUrl('postgres://postgres@127.0.0.1:5432/test')).toEqual({
      dialect: 'postgres',
      connectionString: 'postgres://postgres@127.0.0.1:5432/test',
      schema: null,
      prepare: true,
    });
    // Behind a pooler in transaction mode: no named statements. Luoshi's own parameters leave the URL for `pg`.
    expect(parseDatabaseUrl('postgres://pgbouncer:6432/luoshi?prepare=off&schema=a&sslmode=require')).toEqual({
      dialect: 'postgres',
      connectionString: 'postgres://pgbouncer:6432/luoshi?sslmode=require',
      schema: 'a',
      prepare: false,
    });
  });

  const bad: [ConfigVariable, string][] = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '3000.5'],
    ['HOST', 'local host'],
    ['HOST', 'http://example.org'],
    ['DATABASE_URL', 'mysql://root@localhost/luoshi'],
    ['DATABASE_URL', './data/luoshi.db'],
    ['DATABASE_URL', 'sqlite:'],
    ['DATABASE_URL', 'postgres://'],
    ['DATABASE_URL', 'postgres://localhost/luoshi?schema=Bad-Name'],
    ['DATABASE_URL', 'postgres://localhost/luoshi?prepare=no'],
    ['DATA_DIR', 'data\0dir'],
    ['TIME_ZONE', 'Mars/Olympus_Mons'],
    ['TIME_ZONE', '+08:00'],
    ['MAX_UPLOAD_MB', '0'],
    ['MAX_UPLOAD_MB', '1.5'],
    ['MAX_UPLOAD_MB', '5000'],
    ['MAX_UPLOAD_MB', 'ten'],
    ['LOG_LEVEL', 'verbose'],
    ['SESSION_IDLE_MINUTES', '45'],
    ['SESSION_MAX_HOURS', '0'],
    ['PASSWORD_MAX_AGE_DAYS', '-1'],
    ['PASSWORD_HASH_COST', '8'],
    ['TRUST_PROXY', 'yes'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', '1'],
    ['TRUST_PROXY', '0.0.0.0/0'],
    ['TRUST_PROXY', '::/0'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', '10.0.0.1,'],
    ['TRUST_PROXY', '10.0.0.1/8/1'],
    ['TRUST_PROXY', 'fe80::1%eth0'],
    ['TRUST_PROXY', 'proxy.example.gov.cn'],
    ['SIGN_IN_RATE_PER_MINUTE', '0'],
    ['API_RATE_PER_MINUTE', '5'],
    ['API_RATE_PER_MINUTE', '2000000'],
    ['API_RATE_PER_ADDRESS_PER_MINUTE', 'many'],
    ['API_DOCS', 'closed'],
    ['FILE_STORAGE', 's3'],
    ['MAX_ATTACHMENT_MB', '0'],
    ['MAX_ATTACHMENT_MB', '2048'],
    ['JOBS', 'yes'],
    ['REMINDER_DAYS_BEFORE', '61'],
    ['NOTICE_RESPONSE_DAYS', '0'],
    ['IMPORT_TIME_LIMIT_SECONDS', '0'],
    ['IMPORT_MEMORY_MB', '32'],
    ['OIDC_ISSUER', 'http://id.example.gov.cn'],
    ['OIDC_ISSUER', 'https://user:pw@id.example.gov.cn'],
    ['OIDC_ISSUER', 'https://id.example.gov.cn/?realm=a'],
    ['OIDC_ISSUER', 'id.example.gov.cn'],
    ['OIDC_CLIENT_ID', 'luo\tshi'],
    ['OIDC_REDIRECT_URI', 'ftp://luoshi.example.gov.cn/callback'],
    ['OIDC_SCOPES', 'profile email'],
  ];

  it.each(bad)('stops on %s=%j with one line naming it, Chinese first', (variable, value) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message } = error as ConfigError;
    expect((error as ConfigError).variable).toBe(variable);
    expect(message.startsWith(`配置错误：${variable} 应为`)).toBe(true);
    expect(message).toContain(JSON.stringify(value));
    expect(message).toContain(`Invalid ${variable}:`);
    expect(message).not.toContain('\n');
  });

  it('finding 2: TRUST_PROXY takes the proxies’ addresses and networks, and refuses true with the reason', () => {
    expect(loadConfig({ TRUST_PROXY: ' 127.0.0.1, 10.0.0.0/8 ,fd00::/8,::1,loopback ' }).auth.trustProxy).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      'fd00::/8',
      '::1',
      'loopback',
    ]);
    expect(loadConfig({ TRUST_PROXY: 'false' }).auth.trustProxy).toEqual([]);
    expect(Object.isFrozen(loadConfig({ TRUST_PROXY: '10.0.0.1' }).auth.trustProxy)).toBe(true);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(
      /^配置错误：TRUST_PROXY 应为反向代理的 IP 地址或网段（CIDR）列表.*不接受 true：它让任何客户端都能用 X-Forwarded-For 伪造自己的地址，实际为 "true"/,
    );
  });

  it('never repeats a database password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://luoshi:s3cret@db/luoshi?schema=Bad' })).toThrow(
      /"postgres:\/\/luoshi:\*\*\*@db\/luoshi\?schema=Bad"/,
    );
    expect(() => loadConfig({ DATABASE_URL: 'postgres://luoshi:s3cret@db/luoshi?schema=Bad' })).not.toThrow(/s3cret/);
  });

  it('names the first bad variable when several are bad', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' })).toThrow(/^配置错误：PORT /);
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('reads the process environment once', () => {
    expect(getConfig()).toBe(getConfig());
  });
});

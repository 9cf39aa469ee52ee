/**
 * The two languages of the interface: Chinese first (zh_CN, the default), English by a switch that remembers its
 * choice in localStorage. Words are written once as `{ zh, en }` pairs; the API's messages read `中文（English）`
 * (src/domain/labels.ts) and are shown in the current language by {@link localizeMessage}.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

export type Lang = 'zh' | 'en';

export interface Bilingual {
  readonly zh: string;
  readonly en: string;
}

const STORAGE_KEY = 'luoshi.lang';

function storedLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

/**
 * The side of an API message in the given language: the API writes `中文（English）`, the English in the last
 * full-width brackets (the Chinese may hold brackets of its own), and joins several such messages with `；` (the
 * password policy's problems). A message not in this form is shown as it is.
 *
 * @example
 * localizeMessage('用户名或密码错误（wrong user name or password）', 'en'); // 'wrong user name or password'
 * localizeMessage('至少 8 个字符（at least 8 characters）；不得是常见密码（not a common password）', 'zh');
 * // '至少 8 个字符；不得是常见密码'
 */
export function localizeMessage(message: string, lang: Lang): string {
  const parts = message.split('；').map((part) => splitBilingual(part.trim()));
  if (parts.some((part) => part === null)) return splitBilingual(message)?.[lang] ?? message;
  return parts.map((part) => part?.[lang]).join(lang === 'zh' ? '；' : '; ');
}

function splitBilingual(message: string): Bilingual | null {
  const open = message.lastIndexOf('（');
  if (open <= 0 || !message.endsWith('）')) return null;
  return { zh: message.slice(0, open), en: message.slice(open + 1, -1) };
}

interface LangContextValue {
  readonly lang: Lang;
  setLang(lang: Lang): void;
  /** The word in the current language. */
  t(words: Bilingual): string;
}

const LangContext = createContext<LangContextValue | null>(null);

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(storedLang);
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // A browser that refuses storage still switches, for this page's life.
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);
  const value = useMemo<LangContextValue>(
    () => ({ lang, setLang, t: (words) => (lang === 'zh' ? words.zh : words.en) }),
    [lang, setLang],
  );
  return <LangContext value={value}>{children}</LangContext>;
}

export function useLang(): LangContextValue {
  const value = useContext(LangContext);
  if (value === null) throw new Error('useLang outside LangProvider');
  return value;
}

/** Dates as people read them: 2021年3月5日 in Chinese, 5 Mar 2021 in English. */
import dayjs from 'dayjs';
import type { Lang } from './i18n';

/** A day (`2021-03-05`) or an instant, as a date in the current language; '—' for none. */
export function formatDate(value: string | null | undefined, lang: Lang): string {
  if (value === null || value === undefined) return '—';
  const date = dayjs(value);
  if (!date.isValid()) return value;
  return lang === 'zh' ? date.format('YYYY年M月D日') : date.locale('en').format('D MMM YYYY');
}

/** Where the sign-in page sends the user back to: only a path of this app (never `//other.site`). */
export function safeNext(next: string | null): string {
  return next !== null && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

/** An instant as a date and time in the browser's zone: 2021年10月8日 10:00, or 8 Oct 2021 10:00. */
export function formatDateTime(value: string | null | undefined, lang: Lang): string {
  if (value === null || value === undefined) return '—';
  const date = dayjs(value);
  if (!date.isValid()) return value;
  return lang === 'zh' ? date.format('YYYY年M月D日 HH:mm') : date.locale('en').format('D MMM YYYY HH:mm');
}

/** A file's size as people read it: 812 B, 14.2 KB, 3.1 MB. */
export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

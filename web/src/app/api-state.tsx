/**
 * How a page shows an API call's state, in one place: a spinner while it loads; for a refusal, the no-access page
 * (403: 无权访问, never the content) or the not-found page (404); for any other failure the API's own message in the
 * current language.
 */
import type { UseQueryResult } from '@tanstack/react-query';
import { Alert, Flex, Spin } from 'antd';
import type { ReactNode } from 'react';
import { ApiError } from '../api/client';
import { localizeMessage, useLang } from './i18n';
import { ForbiddenPage, NotFoundPage } from '../pages/status-pages';

/** An error's message as the user should read it: the API's envelope message in the current language. */
export function useErrorMessage(): (error: unknown) => string {
  const { lang, t } = useLang();
  return (error) => {
    if (error instanceof ApiError) return localizeMessage(error.message, lang);
    return t({ zh: '出现了意外错误，请刷新页面后重试', en: 'Something went wrong; reload the page and try again' });
  };
}

export function ErrorAlert({ error }: { error: unknown }) {
  const message = useErrorMessage();
  return <Alert type="error" showIcon title={message(error)} role="alert" />;
}

export function Loading() {
  const { t } = useLang();
  return (
    <Flex justify="center" style={{ padding: 48 }}>
      <Spin description={t({ zh: '加载中…', en: 'Loading…' })} />
    </Flex>
  );
}

export function QueryResult<T>({ query, children }: { query: UseQueryResult<T>; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading />;
  if (query.isError) {
    const { error } = query;
    if (error instanceof ApiError && error.status === 403 && error.code !== 'password-change-required') {
      return <ForbiddenPage />;
    }
    if (error instanceof ApiError && error.status === 404) return <NotFoundPage />;
    return <ErrorAlert error={error} />;
  }
  return <>{children(query.data)}</>;
}

/**
 * A query's state as a page shows it, in one place: a spinner while it loads; for a refusal, the no-access page
 * (403: 无权访问, never the content) or the not-found page (404); for any other failure the API's own message in the
 * current language.
 */
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ApiError } from '../api/client';
import { ForbiddenPage, NotFoundPage } from '../pages/status-pages';
import { ErrorAlert, Loading } from './api-state';

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

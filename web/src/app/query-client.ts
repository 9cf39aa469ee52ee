/**
 * Server state: one TanStack Query client, and the one place that reacts to the API's refusals that concern the
 * whole app rather than one page: a 401 from any call but the session's own means the session ended (the user is
 * sent to /login with 会话已过期), and `password-change-required` means the password form must show.
 */
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError, setCsrfToken } from '../api/client';
import { SESSION_KEY } from './session';

/** Mutations that answer 401 as part of their job (a wrong password at sign-in) set this in their `meta`. */
export interface LuoshiMutationMeta extends Record<string, unknown> {
  readonly ownsUnauthenticated?: boolean;
}

export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: (error, query) => onApiError(error, query.queryKey[0] === SESSION_KEY[0]) }),
    mutationCache: new MutationCache({
      onError: (error, _variables, _context, mutation) =>
        onApiError(error, (mutation.meta as LuoshiMutationMeta | undefined)?.ownsUnauthenticated === true),
    }),
    defaultOptions: {
      queries: {
        // A refusal is an answer, not a glitch: asking again changes nothing.
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
        refetchOnWindowFocus: false,
      },
    },
  });

  function onApiError(error: unknown, ownsUnauthenticated: boolean) {
    if (!(error instanceof ApiError)) return;
    if (error.status === 401 && !ownsUnauthenticated) {
      setCsrfToken(null);
      client.setQueryData(SESSION_KEY, 'expired');
    } else if (error.code === 'password-change-required') {
      void client.invalidateQueries({ queryKey: SESSION_KEY });
    }
  }
  return client;
}

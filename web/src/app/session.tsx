/**
 * Who is signed in, from `GET /api/auth/session`: the user (name, roles, unit), the CSRF token for changes, and
 * whether the password must change first. (`GET /api/me` answers the roles too, but neither the display name nor
 * the password state, so the shell asks the session.) A 401 here means nobody is signed in; a 401 from any other
 * call means the session ended while the page was open (web/src/app/query-client.ts marks it `expired`).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, setCsrfToken, unwrap, type Schemas } from '../api/client';

export type Session = Schemas['Session'];

/** The session's state: signed in, nobody, or a session that ended under an open page. */
export type SessionState = Session | null | 'expired';

export const SESSION_KEY = ['session'] as const;

async function fetchSession(): Promise<Session | null> {
  try {
    const session = await unwrap(api.GET('/api/auth/session'));
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

export function useSession() {
  return useQuery<SessionState>({ queryKey: SESSION_KEY, queryFn: fetchSession, staleTime: 60_000, retry: false });
}

/** Puts a session just received (sign-in) in place of the one the client knew. */
export function useSetSession() {
  const client = useQueryClient();
  return (session: SessionState) => {
    setCsrfToken(session !== null && session !== 'expired' ? session.csrfToken : null);
    client.setQueryData(SESSION_KEY, session);
  };
}

/**
 * The routes. Real URLs (a deep link opens its page); each page is its own chunk, loaded when first opened, so the
 * first page stays small. A signed-in session is needed for everything but /login; a session whose password must
 * change sees only the password form.
 */
import { Typography } from 'antd';
import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { ErrorAlert, Loading } from './api-state';
import { useLang } from './i18n';
import { canReadPlans } from './roles';
import { useSession } from './session';

const LoginPage = lazy(() => import('../pages/login-page'));
const ChangePasswordPage = lazy(() => import('../pages/change-password-page'));
const PlansPage = lazy(() => import('../pages/plans-page'));
const PlanPage = lazy(() => import('../pages/plan-page'));
const TaskPage = lazy(() => import('../pages/task-page'));
const AppShell = lazy(() => import('../shell/app-shell'));
const NotFoundPage = lazy(() => import('../pages/status-pages').then((module) => ({ default: module.NotFoundPage })));

function SignedIn() {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <Loading />;
  if (session.isError) return <ErrorAlert error={session.error} />;
  const here = location.pathname + location.search;
  if (session.data === null || session.data === 'expired') {
    const query = new URLSearchParams({ next: here });
    if (session.data === 'expired') query.set('expired', '1');
    return <Navigate to={`/login?${query.toString()}`} replace />;
  }
  if (session.data.mustChangePassword) return <ChangePasswordPage session={session.data} />;
  return <AppShell session={session.data} />;
}

function Home() {
  const session = useSession();
  if (session.data === null || session.data === undefined || session.data === 'expired') return null;
  if (canReadPlans(session.data.user.roles)) return <Navigate to="/plans" replace />;
  // The administrators' pages come with a later issue; until then they are greeted by name.
  return <Welcome name={session.data.user.displayName} />;
}

function Welcome({ name }: { name: string }) {
  const { t } = useLang();
  return (
    <Typography.Title level={1} className="page-title">
      {t({ zh: `欢迎，${name}`, en: `Welcome, ${name}` })}
    </Typography.Title>
  );
}

export function App() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route element={<SignedIn />}>
          <Route index element={<Home />} />
          <Route path="plans" element={<PlansPage />} />
          <Route path="plans/:planId" element={<PlanPage />} />
          <Route path="tasks/:taskId" element={<TaskPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

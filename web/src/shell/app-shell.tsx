/**
 * The frame of every signed-in page: the header (product name, the signed-in user, the language switch, sign out),
 * the side menu by role, and the page. On a narrow screen the menu folds away behind its trigger.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Flex, Layout, Menu, Typography } from 'antd';
import { Suspense, useState } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { api, unwrap } from '../api/client';
import { Loading } from '../app/api-state';
import { useLang } from '../app/i18n';
import { LanguageSwitch } from './language-switch';
import { canReadPlans, ROLE_NAMES } from '../app/roles';
import { useSetSession, type Session } from '../app/session';

const { Header, Sider, Content } = Layout;

export default function AppShell({ session }: { session: Session }) {
  const { t } = useLang();
  const location = useLocation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const setSession = useSetSession();
  const [collapsed, setCollapsed] = useState(false);
  const signOut = useMutation({
    mutationFn: () => unwrap(api.POST('/api/auth/sign-out')),
    meta: { ownsUnauthenticated: true },
    onSettled: () => {
      client.clear();
      setSession(null);
      void navigate('/login');
    },
  });

  const items = [
    ...(canReadPlans(session.user.roles)
      ? [{ key: '/plans', label: <Link to="/plans">{t({ zh: '实施方案', en: 'Plans' })}</Link> }]
      : []),
  ];
  const selected = items.filter((item) => location.pathname.startsWith(item.key)).map((item) => item.key);
  const roleNames = session.user.roles.map((role) => t(ROLE_NAMES[role])).join('、');

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Header className="app-header">
        <Link to="/" className="app-brand">
          落实 <span lang="en">Luoshi</span>
        </Link>
        <Flex gap={12} align="center" wrap="wrap" justify="end" className="app-header-tools">
          <span className="app-user" title={roleNames}>
            {session.user.displayName}
            <Typography.Text className="app-user-roles">{roleNames}</Typography.Text>
          </span>
          <LanguageSwitch />
          <Button size="small" onClick={() => signOut.mutate()} loading={signOut.isPending}>
            {t({ zh: '退出登录', en: 'Sign out' })}
          </Button>
        </Flex>
      </Header>
      <Layout>
        <Sider
          theme="light"
          breakpoint="lg"
          collapsedWidth={0}
          collapsed={collapsed}
          onCollapse={setCollapsed}
          width={200}
        >
          <nav aria-label={t({ zh: '主菜单', en: 'Main menu' })}>
            <Menu mode="inline" selectedKeys={selected} items={items} style={{ borderInlineEnd: 0 }} />
          </nav>
        </Sider>
        <Content className="app-content">
          <main>
            <Suspense fallback={<Loading />}>
              <Outlet />
            </Suspense>
          </main>
        </Content>
      </Layout>
    </Layout>
  );
}

/**
 * Sign in (/login). The API's own messages for a wrong password (401) and a locked account (423), in the current
 * language; `?expired=1` says the session ended; `?next=` is where the user was going.
 */
import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Flex, Form, Input, Typography } from 'antd';
import { useNavigate, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { safeNext } from '../app/format';
import { useErrorMessage } from '../app/api-state';
import { useLang } from '../app/i18n';
import { useSetSession } from '../app/session';
import { LanguageSwitch } from '../shell/language-switch';

interface SignInFields {
  username: string;
  password: string;
}

export default function LoginPage() {
  const { t } = useLang();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const setSession = useSetSession();
  const errorMessage = useErrorMessage();
  const signIn = useMutation({
    mutationFn: (body: SignInFields) => unwrap(api.POST('/api/auth/sign-in', { body })),
    meta: { ownsUnauthenticated: true },
    onSuccess: (session) => {
      setSession(session);
      void navigate(safeNext(params.get('next')), { replace: true });
    },
  });
  const expired = params.get('expired') === '1' && !signIn.isSuccess;

  return (
    <Flex vertical align="center" justify="center" className="login-page">
      <main className="login-main">
        <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
          <Typography.Title level={1} style={{ margin: 0, fontSize: 28 }}>
            落实 <span lang="en">Luoshi</span>
          </Typography.Title>
          <LanguageSwitch />
        </Flex>
        {/* A plain panel, not antd's Card: Card brings Tabs, Menu and Skeleton (~25 KB gzipped) to the first page. */}
        <section className="login-panel">
          <Typography.Title level={2} style={{ marginTop: 0, fontSize: 20 }}>
            {t({ zh: '登录', en: 'Sign in' })}
          </Typography.Title>
          {expired && (
            <Alert
              type="warning"
              showIcon
              role="status"
              style={{ marginBottom: 16 }}
              title={t({ zh: '会话已过期，请重新登录', en: 'Your session has expired; sign in again' })}
            />
          )}
          {signIn.isError && (
            <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorMessage(signIn.error)} />
          )}
          <Form<SignInFields> layout="vertical" onFinish={(fields) => signIn.mutate(fields)} requiredMark={false}>
            <Form.Item
              label={t({ zh: '用户名', en: 'User name' })}
              name="username"
              rules={[{ required: true, message: t({ zh: '请输入用户名', en: 'Enter your user name' }) }]}
            >
              <Input autoComplete="username" autoFocus />
            </Form.Item>
            <Form.Item
              label={t({ zh: '密码', en: 'Password' })}
              name="password"
              rules={[{ required: true, message: t({ zh: '请输入密码', en: 'Enter your password' }) }]}
            >
              <Input.Password autoComplete="current-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={signIn.isPending}>
              {t({ zh: '登录', en: 'Sign in' })}
            </Button>
          </Form>
        </section>
      </main>
    </Flex>
  );
}

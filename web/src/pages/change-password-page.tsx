/**
 * The forced password change: a one-time or expired password. The user sees only this form (and sign out) until the
 * password is changed; the policy's refusals are the API's own messages.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Flex, Form, Input, Typography } from 'antd';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../api/client';
import { useErrorMessage } from '../app/api-state';
import { useLang } from '../app/i18n';
import { SESSION_KEY, useSetSession, type Session } from '../app/session';
import { LanguageSwitch } from '../shell/language-switch';

interface PasswordFields {
  current: string;
  next: string;
  confirm: string;
}

export default function ChangePasswordPage({ session }: { session: Session }) {
  const { t } = useLang();
  const client = useQueryClient();
  const navigate = useNavigate();
  const setSession = useSetSession();
  const errorMessage = useErrorMessage();
  const change = useMutation({
    mutationFn: ({ current, next }: PasswordFields) =>
      unwrap(api.POST('/api/auth/password', { body: { current, next } })),
    onSuccess: () => client.invalidateQueries({ queryKey: SESSION_KEY }),
  });
  const signOut = useMutation({
    mutationFn: () => unwrap(api.POST('/api/auth/sign-out')),
    meta: { ownsUnauthenticated: true },
    onSettled: () => {
      client.clear();
      setSession(null);
      void navigate('/login');
    },
  });

  return (
    <Flex vertical align="center" justify="center" className="login-page">
      <main className="login-main">
        <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
          <Typography.Title level={1} style={{ margin: 0, fontSize: 28 }}>
            落实 <span lang="en">Luoshi</span>
          </Typography.Title>
          <LanguageSwitch />
        </Flex>
        <Card>
          <Typography.Title level={2} style={{ marginTop: 0, fontSize: 20 }}>
            {t({ zh: '请修改密码', en: 'Change your password' })}
          </Typography.Title>
          <Typography.Paragraph>
            {t({
              zh: `${session.user.displayName}，您的密码是一次性密码或已过期，修改后才能继续使用。`,
              en: `${session.user.displayName}, your password is one-time or has expired: change it to go on.`,
            })}
          </Typography.Paragraph>
          {change.isError && (
            <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={errorMessage(change.error)} />
          )}
          <Form<PasswordFields> layout="vertical" onFinish={(fields) => change.mutate(fields)} requiredMark={false}>
            <Form.Item
              label={t({ zh: '当前密码', en: 'Current password' })}
              name="current"
              rules={[{ required: true, message: t({ zh: '请输入当前密码', en: 'Enter the current password' }) }]}
            >
              <Input.Password autoComplete="current-password" autoFocus />
            </Form.Item>
            <Form.Item
              label={t({ zh: '新密码', en: 'New password' })}
              name="next"
              extra={t({
                zh: '至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类',
                en: 'At least 8 characters, of at least three kinds: upper case, lower case, digits, symbols',
              })}
              rules={[{ required: true, message: t({ zh: '请输入新密码', en: 'Enter the new password' }) }]}
            >
              <Input.Password autoComplete="new-password" />
            </Form.Item>
            <Form.Item
              label={t({ zh: '再次输入新密码', en: 'New password again' })}
              name="confirm"
              dependencies={['next']}
              rules={[
                { required: true, message: t({ zh: '请再次输入新密码', en: 'Enter the new password again' }) },
                ({ getFieldValue }) => ({
                  validator: (_rule, value) =>
                    value === getFieldValue('next')
                      ? Promise.resolve()
                      : Promise.reject(new Error(t({ zh: '两次输入的新密码不一致', en: 'The two entries differ' }))),
                }),
              ]}
            >
              <Input.Password autoComplete="new-password" />
            </Form.Item>
            <Flex gap={8}>
              <Button type="primary" htmlType="submit" loading={change.isPending}>
                {t({ zh: '修改密码', en: 'Change password' })}
              </Button>
              <Button onClick={() => signOut.mutate()}>{t({ zh: '退出登录', en: 'Sign out' })}</Button>
            </Flex>
          </Form>
        </Card>
      </main>
    </Flex>
  );
}

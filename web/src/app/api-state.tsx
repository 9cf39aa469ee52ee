/**
 * How a page shows an API call's state: a spinner while it loads, and a failure as the API's own message in the
 * current language (web/src/app/query-result.tsx adds the refusal pages).
 */
import { Alert, Flex, Spin } from 'antd';
import { ApiError } from '../api/client';
import { localizeMessage, useLang } from './i18n';

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

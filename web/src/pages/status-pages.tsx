/** The pages for a refusal (403, 无权访问) and for a path or an object that does not exist (404). */
import { Button, Result } from 'antd';
import { useNavigate } from 'react-router';
import { useLang } from '../app/i18n';

function HomeButton() {
  const { t } = useLang();
  const navigate = useNavigate();
  return (
    <Button type="primary" onClick={() => void navigate('/')}>
      {t({ zh: '返回首页', en: 'Back to the start page' })}
    </Button>
  );
}

export function ForbiddenPage() {
  const { t } = useLang();
  return (
    <Result
      status="403"
      title={<h1 className="status-title">{t({ zh: '无权访问', en: 'No access' })}</h1>}
      subTitle={t({
        zh: '您的账户没有查看此内容的权限。如需访问，请联系本单位的管理员。',
        en: 'Your account may not see this. Ask your administrator if you need it.',
      })}
      extra={<HomeButton />}
    />
  );
}

export function NotFoundPage() {
  const { t } = useLang();
  return (
    <Result
      status="404"
      title={<h1 className="status-title">{t({ zh: '页面不存在', en: 'Page not found' })}</h1>}
      subTitle={t({
        zh: '您访问的地址不存在或已被删除，请检查链接是否正确。',
        en: 'This address does not exist or was removed. Check the link.',
      })}
      extra={<HomeButton />}
    />
  );
}

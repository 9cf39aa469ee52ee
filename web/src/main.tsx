/**
 * The web app's entry: the language (Chinese first), Ant Design's locale and theme with the page's CSP nonce, the
 * server-state client and the router.
 *
 * The first page's JavaScript is kept small (npm run bench:web; aim ≤ 250 KB gzipped): Ant Design's `<App>` (the
 * message, notification and modal hooks, ~16 KB gzipped) is not in the entry; a page that needs `App.useApp()` wraps
 * itself in `<App>`, inside its own lazy chunk. (Ant Design's English locale stays static: antd imports it anyway as
 * its default locale, so a dynamic import would save nothing.)
 */
import { QueryClientProvider } from '@tanstack/react-query';
import { ConfigProvider, theme } from 'antd';
import enUS from 'antd/es/locale/en_US';
import zhCN from 'antd/es/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './app/app';
import { cspNonce, nonceScriptStyles } from './app/csp';
import { LangProvider, useLang } from './app/i18n';
import { createQueryClient } from './app/query-client';
import './app/global.css';

/**
 * Chinese text in a Chinese face on every system: the CJK fonts of Windows, macOS and Linux (Noto Sans CJK, which
 * Debian's fonts-noto-cjk installs), after the Latin system faces.
 */
const FONT_FAMILY = [
  '-apple-system',
  'BlinkMacSystemFont',
  '"Segoe UI"',
  '"PingFang SC"',
  '"Hiragino Sans GB"',
  '"Microsoft YaHei"',
  '"Noto Sans CJK SC"',
  '"Noto Sans SC"',
  '"Source Han Sans SC"',
  'sans-serif',
].join(', ');

const nonce = cspNonce();
if (nonce !== undefined) nonceScriptStyles(nonce);
const queryClient = createQueryClient();

/** The base text style `<App>` gave the page (colour, size, line height, the CJK font), from the theme's tokens. */
function AppText({ children }: { children: ReactNode }) {
  const { token } = theme.useToken();
  return (
    <div
      style={{
        color: token.colorText,
        fontSize: token.fontSize,
        lineHeight: token.lineHeight,
        fontFamily: token.fontFamily,
      }}
    >
      {children}
    </div>
  );
}

function Localized({ children }: { children: ReactNode }) {
  const { lang } = useLang();
  dayjs.locale(lang === 'zh' ? 'zh-cn' : 'en');
  return (
    <ConfigProvider
      locale={lang === 'zh' ? zhCN : enUS}
      csp={nonce === undefined ? undefined : { nonce }}
      // Ant Design's primary blue and its grey secondary text darkened a step, to pass WCAG AA contrast.
      theme={{
        token: {
          fontFamily: FONT_FAMILY,
          colorPrimary: '#1456c8',
          colorLink: '#1456c8',
          colorTextDescription: 'rgba(0, 0, 0, 0.65)',
          colorTextTertiary: 'rgba(0, 0, 0, 0.65)',
          colorTextPlaceholder: 'rgba(0, 0, 0, 0.6)',
        },
      }}
    >
      <AppText>{children}</AppText>
    </ConfigProvider>
  );
}

const root = document.getElementById('root');
if (root === null) throw new Error('no #root in index.html');
createRoot(root).render(
  <StrictMode>
    <LangProvider>
      <Localized>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </QueryClientProvider>
      </Localized>
    </LangProvider>
  </StrictMode>,
);

/** The language switch: 中文 / English, remembered in localStorage (web/src/app/i18n.tsx). */
import { Segmented } from 'antd';
import { useLang, type Lang } from '../app/i18n';

export function LanguageSwitch() {
  const { lang, setLang, t } = useLang();
  return (
    <Segmented<Lang>
      size="small"
      aria-label={t({ zh: '界面语言', en: 'Language' })}
      value={lang}
      onChange={setLang}
      options={[
        { value: 'zh', label: '中文' },
        { value: 'en', label: 'English' },
      ]}
    />
  );
}

// The Vant components the H5 app uses, registered once; Vant's own texts follow our locale.
import {
  ActionBar, ActionBarButton, Button, Cell, CellGroup, Checkbox, ConfigProvider, Dialog, Empty,
  Field, Form, Icon, List, Loading, NavBar, NoticeBar, Popup, PullRefresh, Radio, RadioGroup,
  Skeleton, Switch, Tab, Tabbar, TabbarItem, Tabs, Tag, Toast, Uploader, Locale,
} from 'vant'
import enUS from 'vant/es/locale/lang/en-US'
import zhCN from 'vant/es/locale/lang/zh-CN'
import { locale, onLocaleChange } from '@shared/i18n.js'

const components = [
  ActionBar, ActionBarButton, Button, Cell, CellGroup, Checkbox, ConfigProvider, Dialog, Empty,
  Field, Form, Icon, List, Loading, NavBar, NoticeBar, Popup, PullRefresh, Radio, RadioGroup,
  Skeleton, Switch, Tab, Tabbar, TabbarItem, Tabs, Tag, Toast, Uploader,
]

function useVantLocale(name) {
  if (name === 'en-US') Locale.use('en-US', enUS)
  else Locale.use('zh-CN', zhCN)
}

export function setupVant(app) {
  for (const c of components) app.use(c)
  useVantLocale(locale.value)
  onLocaleChange(useVantLocale)
}

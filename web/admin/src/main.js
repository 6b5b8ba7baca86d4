// The bank's operations console: Vue 3 + Element Plus (on-demand imports), served at /admin/.
import { createApp } from 'vue'
import 'element-plus/theme-chalk/base.css'
import 'element-plus/es/components/loading/style/css'
import { vLoading } from 'element-plus'
import './styles.css'
import App from './App.vue'
import { router, goToLogin } from './router.js'
import messages from './locales.js'
import { i18nPlugin, setMessages, setLocale, locale } from '@shared/i18n.js'
import { setUnauthorizedHandler } from './client.js'
import { installPasswordChangeHook } from './passwordHook.js'

setMessages(messages)
setLocale(locale.value) // sets <html lang>
setUnauthorizedHandler(goToLogin)
installPasswordChangeHook(router)

const app = createApp(App)
app.use(i18nPlugin)
app.directive('loading', vLoading)
app.use(router)
app.mount('#app')

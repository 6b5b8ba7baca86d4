// The customer's H5 app: Vue 3 + Vant 4, served at /m/.
import { createApp } from 'vue'
import 'vant/lib/index.css'
import './styles.css'
import App from './App.vue'
import { router, goToLogin } from './router.js'
import { setupVant } from './vant.js'
import messages from './locales.js'
import { i18nPlugin, setMessages, setLocale, locale } from '@shared/i18n.js'
import { setUnauthorizedHandler } from '@shared/api.js'
import { tracker } from '@shared/tracker.js'

setMessages(messages)
setLocale(locale.value) // sets <html lang>
setUnauthorizedHandler(goToLogin)
tracker.start()

const app = createApp(App)
app.use(i18nPlugin)
setupVant(app)
app.use(router)
app.mount('#app')

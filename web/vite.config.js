// Vite build of the web clients. Each client is its own Vite root under web/ and builds into the
// Python package (src/opendeposit/web_dist/<name>/), which serves it with an SPA fallback:
//   OD_APP=m     vite build   the customer's H5 app (Vant), served at /m/
//   OD_APP=admin vite build   the staff console (Element Plus + ECharts), served at /admin/
// `npm run build` builds both.
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))

const APPS = {
  m: { root: here('./m'), base: '/m/', outDir: here('../src/opendeposit/web_dist/m'), port: 5173 },
  admin: {
    root: here('./admin'),
    base: '/admin/',
    outDir: here('../src/opendeposit/web_dist/admin'),
    port: 5174,
  },
}

const name = process.env.OD_APP || 'm'
const app = APPS[name]
if (!app) throw new Error(`unknown OD_APP ${process.env.OD_APP}; known: ${Object.keys(APPS)}`)

// The FastAPI backend for `npm run dev` / `npm run preview` (same origin in production).
const backend = process.env.OD_BACKEND || 'http://127.0.0.1:8000'
const proxy = {
  '/api': { target: backend, changeOrigin: true },
  '/admin/api': { target: backend, changeOrigin: true },
  '/sandbox': { target: backend, changeOrigin: true },
}

// The console imports Element Plus components on demand (only those its templates use, with their
// CSS); the two big libraries get chunks of their own so a page's code stays small and cacheable.
const adminPlugins = [Components({ dts: false, resolvers: [ElementPlusResolver({ importStyle: 'css' })] })]
const adminChunks = {
  groups: [
    { name: 'echarts', test: /node_modules[\\/](echarts|zrender)[\\/]/ },
    { name: 'vue', test: /node_modules[\\/](@vue|vue|vue-router)[\\/]/ },
  ],
}

export default defineConfig({
  root: app.root,
  base: app.base,
  publicDir: 'public',
  plugins: [vue(), ...(name === 'admin' ? adminPlugins : [])],
  resolve: {
    alias: {
      '@shared': here('./src'),
      '@': `${app.root}/src`,
    },
  },
  build: {
    outDir: app.outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2019',
    chunkSizeWarningLimit: 800,
    rolldownOptions: name === 'admin' ? { output: { codeSplitting: adminChunks } } : {},
  },
  server: { port: app.port, strictPort: false, fs: { allow: [here('.')] }, proxy },
  preview: { port: app.port + 1000, proxy },
})

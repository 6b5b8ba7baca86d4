// Vite build of the web clients. Each client is its own Vite root under web/ and builds into the
// Python package (src/opendeposit/web_dist/<name>/), which serves it with an SPA fallback.
// Today there is the customer's H5 app `m`; a future admin console adds an entry to APPS and is
// built with `OD_APP=admin vite build`.
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))

const APPS = {
  m: { root: here('./m'), base: '/m/', outDir: here('../src/opendeposit/web_dist/m'), port: 5173 },
}

const app = APPS[process.env.OD_APP || 'm']
if (!app) throw new Error(`unknown OD_APP ${process.env.OD_APP}; known: ${Object.keys(APPS)}`)

// The FastAPI backend for `npm run dev` / `npm run preview` (same origin in production).
const backend = process.env.OD_BACKEND || 'http://127.0.0.1:8000'
const proxy = {
  '/api': { target: backend, changeOrigin: true },
  '/sandbox': { target: backend, changeOrigin: true },
}

export default defineConfig({
  root: app.root,
  base: app.base,
  publicDir: 'public',
  plugins: [vue()],
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
  },
  server: { port: app.port, strictPort: false, fs: { allow: [here('.')] }, proxy },
  preview: { port: app.port + 1000, proxy },
})

// Unit tests of the shared libraries and the H5 components (tests/*.test.js, happy-dom).
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig({
  root: here('.'),
  plugins: [vue()],
  resolve: { alias: { '@shared': here('./src'), '@': here('./m/src') } },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.js'],
    restoreMocks: true,
  },
})

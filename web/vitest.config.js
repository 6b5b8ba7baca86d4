// Unit tests of the shared libraries, the H5 components (tests/*.test.js) and the console
// (tests/admin/*.test.js), in happy-dom. Element Plus components resolve on demand as in the build.
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig({
  root: here('.'),
  plugins: [vue(), Components({ dts: false, resolvers: [ElementPlusResolver({ importStyle: false })] })],
  resolve: { alias: { '@shared': here('./src'), '@': here('./m/src') } },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.js'],
    restoreMocks: true,
    server: { deps: { inline: ['element-plus'] } },
  },
})

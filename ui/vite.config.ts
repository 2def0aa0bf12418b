/**
 * Vite build of the local dashboard (`npm run build:ui`): vanilla TypeScript + cytoscape, bundled
 * into dist/ui, which `otp2p ui` serves. Everything is bundled: the page loads nothing from
 * another host (no fonts, no CDNs), and no inline script or style (the server's CSP forbids them).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: resolve(here, '../dist/ui'),
    emptyOutDir: true,
    target: 'es2022',
    // No inline polyfill script and no data: URLs for assets.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
  },
});

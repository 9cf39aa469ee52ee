/**
 * The web app's build (scripts/build.ts runs it): web/ in, dist/web out, hashed files under assets/. Every
 * `<script>` and `<link>` Vite writes carries the CSP nonce placeholder that the server replaces on each answer
 * (src/http/web-static.ts).
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { NONCE_PLACEHOLDER } from '../src/http/web-static.ts';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  html: { cspNonce: NONCE_PLACEHOLDER },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // The browsers of government offices are recent Chromium builds (360, QQ, Edge); no legacy bundle.
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
  },
});

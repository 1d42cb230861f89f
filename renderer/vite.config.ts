import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The bundle runs under a strict CSP (script-src 'self'): no inline scripts, no eval, no remote resources.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: `${import.meta.dirname}/../dist/renderer`,
    emptyOutDir: true,
    // Inlined assets would become data: URLs; keep every asset a file served from 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});

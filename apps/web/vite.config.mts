import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * Builds the single-page app into apps/web/dist (served by apps/platform at `/`). The dev server
 * (`npx vite apps/web`) proxies the API and the operational routes to a running `npm start`.
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  resolve: {
    alias: { '@parley/contracts': path.resolve(import.meta.dirname, '../../libs/contracts/src/index.ts') },
  },
  build: {
    outDir: path.resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: { '/api': 'http://localhost:8080', '/health': 'http://localhost:8080', '/ready': 'http://localhost:8080' },
  },
});

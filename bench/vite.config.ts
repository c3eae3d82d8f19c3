/** Serves the benchmark page, with `chatwire` resolved to the sources as in the playground. */
import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const fromRoot = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

export default defineConfig({
  root: fromRoot('bench/page'),
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: [
      { find: /^chatwire\/styles\.css$/, replacement: fromRoot('src/styles.css') },
      { find: /^chatwire\/headless$/, replacement: fromRoot('src/headless.ts') },
      { find: /^chatwire$/, replacement: fromRoot('src/index.ts') },
    ],
  },
  server: { host: '127.0.0.1', port: 0 },
  logLevel: 'warn',
});

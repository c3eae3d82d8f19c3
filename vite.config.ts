/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/chromium.ts';
import { markedLexerOnly } from './scripts/marked-lexer-only.ts';
import { hostileServerCommands } from './test/support/hostile-server-commands.ts';
import { chatServerCommands } from './test/support/server-commands.ts';
import { threePartsCommands } from './test/support/three-parts-commands.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Packages a consumer installs alongside chatwire: never bundled into it. marked is not one
 * of them: chatwire bundles only its lexer (see scripts/marked-lexer-only.ts).
 */
// lowlight is loaded only by the highlighter chunk, and only with `highlightCode`: left to the
// app's bundler, so an app that highlights code itself shares one copy.
const external = [/^react($|\/)/, /^react-dom($|\/)/, /^zustand($|\/)/, /^lowlight($|\/)/];

/**
 * Real Chromium for browser tests: Debian's by default, or the one at CHROMIUM_PATH.
 * A fresh object per project, because vitest rejects one shared between projects.
 */
const chromium = () => ({
  enabled: true,
  headless: true,
  provider: playwright({
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    // "Copy reply" and "Copy code" are checked by reading the clipboard back.
    contextOptions: { permissions: ['clipboard-read', 'clipboard-write'] },
  }),
  instances: [{ browser: 'chromium' as const }],
});

// `vite build` makes the library for production whatever NODE_ENV the shell (or a test runner
// packing it) has, unless a --mode is asked for: otherwise React's development JSX runtime
// (`jsxDEV`) would ship in dist/ and break every production app that installs it. Vitest and
// Storybook load this file too, and keep their own NODE_ENV.
const isViteBuild =
  /[\\/]vite(\.js|\.mjs)?$/.test(process.argv[1] ?? '') && process.argv[2] === 'build';
if (isViteBuild && !process.argv.includes('--mode')) process.env.NODE_ENV = 'production';

export default defineConfig({
  plugins: [react(), tailwindcss(), markedLexerOnly()],
  // How long test/soak.test.tsx runs: `npm run soak` sets it (10 minutes by default); `npm test`
  // leaves it unset and the soak runs as a half-minute smoke. Replaced at build time, so the
  // test can size its own timeout.
  define: {
    __CHATWIRE_SOAK_MINUTES__: JSON.stringify(Number(process.env.CHATWIRE_SOAK_MINUTES) || 0.5),
  },
  // Pre-bundled up front: found mid-run, Vite would re-optimise and reload, and the browser
  // tests already running would get a second copy of React.
  optimizeDeps: {
    include: ['marked', 'react-dom/server'],
  },
  build: {
    outDir: 'dist',
    cssCodeSplit: true,
    emptyOutDir: true,
    sourcemap: true,
    lib: {
      entry: {
        index: here('src/index.ts'),
        headless: here('src/headless.ts'),
        styles: here('src/styles.css'),
      },
      formats: ['es'],
    },
    rolldownOptions: { external },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'core',
          environment: 'node',
          include: ['src/core/**/*.test.ts', 'src/markdown/**/*.test.ts'],
          // Property tests run thousands of cases; on a loaded 2-core CI box that takes a while.
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'ssr',
          environment: 'node',
          include: ['test/**/*.node.test.{ts,tsx}'],
        },
      },
      {
        extends: true,
        test: {
          name: 'server',
          environment: 'node',
          include: ['server/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['src/**/*.test.tsx', 'test/**/*.test.{ts,tsx}'],
          exclude: ['test/**/*.node.test.{ts,tsx}', 'test/consumer/**'],
          setupFiles: ['test/setup-browser.ts'],
          browser: {
            ...chromium(),
            commands: { ...chatServerCommands, ...hostileServerCommands, ...threePartsCommands },
          },
          testTimeout: 15_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'consumer',
          environment: 'node',
          include: ['test/consumer/**/*.consumer.test.ts'],
          // Packs the library and installs it into fresh apps from the npm registry.
          testTimeout: 180_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'bench',
          environment: 'node',
          include: ['bench/**/*.test.ts'],
          // Builds the bench page and drives its own Chromium: slow to start on 2 cores.
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Last, so nothing else competes for the cores it times.
          sequence: { groupOrder: 2 },
        },
      },
      {
        extends: true,
        plugins: [storybookTest({ configDir: here('.storybook') })],
        test: {
          name: 'storybook',
          browser: chromium(),
        },
      },
    ],
  },
});

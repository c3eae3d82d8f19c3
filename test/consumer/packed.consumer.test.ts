/**
 * Consumer proof: chatwire as someone else's app gets it. `npm pack` makes the tarball a
 * publish would upload. It is installed from the npm registry's point of view (no link to
 * this repository) into fresh apps: Vite on React 19, Vite on React 18.3, and webpack 5 on
 * React 19 (the bundler Next.js builds with). Each app is built for production and opened in Chromium against the real reference
 * server, and a message round-trips. The Vite installs then import the package from plain
 * Node ESM and render it on the server.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright';
import { preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.ts';
import { mintToken } from '../../server/auth.ts';
import { type ReferenceServer, startServer } from '../../server/index.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const template = fileURLToPath(new URL('./app', import.meta.url));
const SECRET = 'chatwire-consumer-test-only-secret';

type Bundler = 'vite' | 'webpack';

/**
 * The apps: React as given, built the way a project on that bundler builds. Versions are
 * pinned, so a new release upstream cannot change what this test proves overnight.
 */
const APPS: { name: string; react: string; bundler: Bundler; title: RegExp }[] = [
  { name: 'React 19 + Vite', react: '19.3.1', bundler: 'vite', title: /^React 19\./ },
  { name: 'React 18.3 + Vite', react: '18.3.1', bundler: 'vite', title: /^React 18\.3\./ },
  {
    name: 'React 19 + webpack',
    react: '19.3.1',
    bundler: 'webpack',
    title: /^React 19\..*webpack/,
  },
];

/** What each kind of app installs besides chatwire and React. */
const TOOLING: Record<Bundler, Record<string, string>> = {
  vite: { vite: '8.3.8', '@vitejs/plugin-react': '6.3.0' },
  webpack: { webpack: '5.113.0' },
};

let workDir = '';
let tarball = '';
let server: ReferenceServer;
let browser: Browser;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'chatwire-consumer-'));
  // `prepack` builds the library, as a publish would: with the environment a publish has, not
  // vitest's NODE_ENV=test.
  await run('npm', ['pack', '--pack-destination', workDir], { cwd: repo, env: productionEnv() });
  const packed = (await readdir(workDir)).find((name) => name.endsWith('.tgz'));
  if (!packed) throw new Error('npm pack made no tarball.');
  tarball = join(workDir, packed);
  server = await startServer({ port: 0, jwtSecret: SECRET, tokenDelayMs: 2 });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** A fresh app folder with chatwire's tarball and `react` installed from the registry. */
async function createApp(name: string, react: string, bundler: Bundler): Promise<string> {
  const dir = join(workDir, name.replace(/\W+/g, '-'));
  await cp(template, dir, { recursive: true });
  const manifest = {
    name: 'chatwire-consumer',
    private: true,
    type: 'module',
    dependencies: { chatwire: `file:${tarball}`, react, 'react-dom': react },
    devDependencies: TOOLING[bundler],
  };
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  // devDependencies too, whatever NODE_ENV the shell has: they are the app's build tools.
  const env = { ...process.env };
  delete env.NODE_ENV;
  await run('npm', ['install', '--include=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: dir,
    env,
  });
  return dir;
}

/** This process's environment as a production build sees it (vitest sets NODE_ENV=test). */
function productionEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_ENV: 'production' };
}

/** Builds the app for production, serves it, and returns its URL and a way to stop it. */
async function buildAndServe(dir: string, bundler: Bundler) {
  if (bundler === 'vite') {
    // In a process of its own, as `vite build` runs in the app's project.
    await run(process.execPath, [join(dir, 'node_modules/vite/bin/vite.js'), 'build'], {
      cwd: dir,
      env: productionEnv(),
    });
  } else {
    await run(process.execPath, ['build-webpack.mjs'], { cwd: dir, env: productionEnv() });
  }
  // Vite's preview server serves either build as static files.
  const served = await preview({
    root: dir,
    configFile: false,
    logLevel: 'warn',
    build: { outDir: bundler === 'vite' ? 'dist' : 'dist-webpack' },
    preview: { host: '127.0.0.1', port: 0 },
  });
  const url = served.resolvedUrls?.local[0];
  if (!url) throw new Error('The preview server reported no URL.');
  return { url, close: () => served.close() };
}

describe.each(APPS)(
  'an app ($name) that installed the packed chatwire',
  ({ name, react, bundler, title }) => {
    let dir = '';

    beforeAll(async () => {
      dir = await createApp(name, react, bundler);
    });

    it('installs a package with no development-only code in it', async () => {
      const dist = join(dir, 'node_modules/chatwire/dist');
      for (const file of (await readdir(dist)).filter((name) => name.endsWith('.js'))) {
        const code = await readFile(join(dist, file), 'utf8');
        expect(code, file).not.toMatch(/jsx-dev-runtime|jsxDEV/);
        expect(code, file).not.toContain('vitest');
      }
    });

    it('builds, renders the widget in Chromium, and a message round-trips', async () => {
      const app = await buildAndServe(dir, bundler);
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      try {
        const token = await mintToken({ subject: 'consumer', secret: SECRET });
        await page.goto(`${app.url}?${new URLSearchParams({ url: server.url, token })}`);
        expect(await page.title()).toMatch(title);
        await page
          .getByRole('status')
          .filter({ hasText: /^Connected$/ })
          .waitFor({ timeout: 15_000 })
          .catch(async (error: unknown) => {
            const status = await page.locator('[role="status"]').allTextContents();
            throw new Error(
              `Not connected (status: ${status.join(', ')}; errors: ${errors.join(' | ')}): ${String(error)}`,
            );
          });
        await page.getByRole('textbox', { name: 'Message' }).fill(`Hello from ${name}`);
        await page.keyboard.press('Enter');
        const reply = page.locator('[data-role="assistant"][data-status="complete"]');
        await reply.waitFor({ timeout: 10_000 });
        expect(await reply.textContent()).toContain(`Hello from ${name}`);
        // The stylesheet came along: the widget is laid out, not unstyled.
        const radius = await page
          .locator('[data-chatwire]')
          .evaluate((root) => getComputedStyle(root).borderTopLeftRadius);
        expect(radius).not.toBe('0px');
        expect(errors).toEqual([]);
      } finally {
        await page.close();
        await app.close();
      }
    });

    // Server rendering runs in Node, whatever bundles the browser side: once per React version.
    if (bundler === 'vite') {
      it('imports and renders on the server from plain Node ESM', async () => {
        const { stdout } = await run(process.execPath, ['server-render.mjs'], { cwd: dir });
        const result = JSON.parse(stdout) as { html: string; frameOk: boolean; store: string };
        expect(result.html).toContain('data-chatwire');
        expect(result.frameOk).toBe(true);
        expect(result.store).toBe('object');
      });
    }
  },
);

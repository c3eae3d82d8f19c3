/**
 * Consumer proof: chatwire as someone else's app gets it. `npm pack` makes the tarball a
 * publish would upload. It is installed from the npm registry's point of view (no link to
 * this repository) into a fresh Vite app on React 19 and another on React 18.3. Each app is
 * built for production and opened in Chromium against the real reference server, and a
 * message round-trips. The same install then imports the package from plain Node ESM and
 * renders it on the server.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright';
import { build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.ts';
import { mintToken } from '../../server/auth.ts';
import { type ReferenceServer, startServer } from '../../server/index.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const template = fileURLToPath(new URL('./app', import.meta.url));
const SECRET = 'chatwire-consumer-test-only-secret';

/** What each app installs besides chatwire: React as given, and what a Vite app uses. */
const REACT_VERSIONS = { 'React 19': '^19.0.0', 'React 18.3': '~18.3.1' } as const;
const TOOLING = { vite: '^8.0.0', '@vitejs/plugin-react': '^6.0.0' };

let workDir = '';
let tarball = '';
let server: ReferenceServer;
let browser: Browser;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'chatwire-consumer-'));
  // `prepack` builds the library, as a publish would.
  await run('npm', ['pack', '--pack-destination', workDir], { cwd: repo });
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
async function createApp(name: string, react: string): Promise<string> {
  const dir = join(workDir, name.replace(/\W+/g, '-'));
  await cp(template, dir, { recursive: true });
  const manifest = {
    name: 'chatwire-consumer',
    private: true,
    type: 'module',
    dependencies: { chatwire: `file:${tarball}`, react, 'react-dom': react },
    devDependencies: TOOLING,
  };
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir });
  return dir;
}

/** Builds the app for production, serves it, and returns its URL and a way to stop it. */
async function buildAndServe(dir: string) {
  await build({ root: dir, configFile: join(dir, 'vite.config.mjs'), logLevel: 'warn' });
  const served = await preview({
    root: dir,
    configFile: join(dir, 'vite.config.mjs'),
    preview: { host: '127.0.0.1', port: 0 },
  });
  const url = served.resolvedUrls?.local[0];
  if (!url) throw new Error('The preview server reported no URL.');
  return { url, close: () => served.close() };
}

describe.each(Object.entries(REACT_VERSIONS))(
  'an app on %s that installed the packed chatwire',
  (name, react) => {
    let dir = '';

    beforeAll(async () => {
      dir = await createApp(name, react);
    });

    it('builds, renders the widget in Chromium, and a message round-trips', async () => {
      const app = await buildAndServe(dir);
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      try {
        const token = await mintToken({ subject: 'consumer', secret: SECRET });
        await page.goto(`${app.url}?${new URLSearchParams({ url: server.url, token })}`);
        expect(await page.title()).toMatch(name === 'React 19' ? /^React 19\./ : /^React 18\.3\./);
        await page
          .getByRole('status')
          .filter({ hasText: /^Connected$/ })
          .waitFor();
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

    it('imports and renders on the server from plain Node ESM', async () => {
      const { stdout } = await run(process.execPath, ['server-render.mjs'], { cwd: dir });
      const result = JSON.parse(stdout) as { html: string; frameOk: boolean; store: string };
      expect(result.html).toContain('data-chatwire');
      expect(result.frameOk).toBe(true);
      expect(result.store).toBe('object');
    });
  },
);

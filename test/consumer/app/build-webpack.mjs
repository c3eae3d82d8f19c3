// Bundles web.mjs with webpack 5 in production mode into dist-webpack/, with the page and
// chatwire's stylesheet beside it.
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import webpack from 'webpack';

const require = createRequire(import.meta.url);
const out = new URL('./dist-webpack/', import.meta.url).pathname;
const stats = await new Promise((resolve, reject) =>
  webpack({
    mode: 'production',
    entry: './web.mjs',
    output: { path: out, filename: 'bundle.js' },
    performance: { hints: false },
  }).run((error, result) => (error ? reject(error) : resolve(result))),
);
if (stats.hasErrors()) {
  console.error(stats.toString('errors-only'));
  process.exit(1);
}
await mkdir(out, { recursive: true });
await copyFile(require.resolve('chatwire/styles.css'), `${out}styles.css`);
await copyFile(new URL('./webpack.html', import.meta.url), `${out}index.html`);
console.log('built');

// Bundles web.mjs with webpack 5 in production mode into dist-webpack/, with the page and
// chatwire's stylesheet beside it.
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import webpack from 'webpack';

const require = createRequire(import.meta.url);
const out = fileURLToPath(new URL('./dist-webpack/', import.meta.url));
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
await copyFile(
  require.resolve('chatwire/styles.css'),
  new URL('./dist-webpack/styles.css', import.meta.url),
);
await copyFile(
  new URL('./webpack.html', import.meta.url),
  new URL('./dist-webpack/index.html', import.meta.url),
);
console.log('built');

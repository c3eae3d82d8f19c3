/**
 * `npm start`: the reference server and the playground, together, until Ctrl-C.
 * The server runs as its own process (exactly `npm run server`); the playground is a Vite
 * dev server whose page gets its tokens from a dev-only endpoint.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));

const server = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});

const playground = await createServer({ configFile: `${root}demo/vite.config.ts` });
await playground.listen();
console.log('\nchatwire playground:');
playground.printUrls();

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.kill('SIGTERM');
  await playground.close();
  process.exit(code);
}
server.on('exit', (code) => {
  if (!stopping) {
    console.error(`The reference server stopped (exit code ${code}); stopping the playground too.`);
    void stop(code ?? 1);
  }
});
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

/**
 * `npm run bench`: builds the benchmark page for production, opens it in headless Chromium
 * and measures chatwire against the floor (raw DOM, once per frame) and a naive baseline
 * (React state + scroll per token), all in the same run. These machines are noisy, so the
 * results that matter are the ratios, each from medians of several runs.
 */
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { build, preview } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.ts';
import type { Implementation, RunResult } from './page/main.tsx';

const configFile = fileURLToPath(new URL('./vite.config.ts', import.meta.url));
const outDir = fileURLToPath(new URL('./dist', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

interface Scenario {
  tokens: number;
  implementations: Implementation[];
}

// The naive baseline is left out at 20,000 tokens: it is quadratic and would take minutes.
const SCENARIOS: Scenario[] = [
  { tokens: 5_000, implementations: ['floor', 'chatwire', 'naive'] },
  { tokens: 20_000, implementations: ['floor', 'chatwire'] },
];

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  await build({
    configFile,
    mode: 'production',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  const server = await preview({
    configFile,
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0 },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('The benchmark page server did not report a URL.');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'],
  });
  const results = new Map<string, RunResult>();
  try {
    for (const { tokens, implementations } of SCENARIOS) {
      for (const implementation of implementations) {
        const runs: RunResult[] = [];
        for (let run = 0; run < RUNS; run++) {
          const page = await browser.newPage({ viewport: { width: 900, height: 800 } });
          await page.goto(url);
          await page.waitForFunction(() => 'chatwireBench' in window);
          runs.push(
            await page.evaluate(([which, count]) => window.chatwireBench.run(which, count), [
              implementation,
              tokens,
            ] as const),
          );
          await page.close();
        }
        results.set(`${implementation}@${tokens}`, {
          wallMs: median(runs.map((result) => result.wallMs)),
          longestTaskMs: median(runs.map((result) => result.longestTaskMs)),
          heapMB: median(runs.map((result) => result.heapMB ?? Number.NaN)),
        });
        const result = results.get(`${implementation}@${tokens}`);
        console.log(
          `${String(tokens).padStart(6)} tokens  ${implementation.padEnd(9)} wall ${result?.wallMs.toFixed(0).padStart(6)} ms   longest task ${result?.longestTaskMs.toFixed(0).padStart(4)} ms   heap ${result?.heapMB?.toFixed(1) ?? 'n/a'} MB`,
        );
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  printRatios(results);
}

function printRatios(results: Map<string, RunResult>): void {
  const wall = (key: string) => results.get(key)?.wallMs ?? Number.NaN;
  const ratio = (value: number) => `${value.toFixed(2)}×`;
  console.log('\nRatios (medians of the same run):');
  console.log(
    `  plain 5,000: chatwire / floor            ${ratio(wall('chatwire@5000') / wall('floor@5000'))}   (goal ≤ 1.5×)`,
  );
  console.log(
    `  plain 5,000: naive / chatwire            ${ratio(wall('naive@5000') / wall('chatwire@5000'))}   (goal ≥ 20×)`,
  );
  const perToken5k = wall('chatwire@5000') / 5_000;
  const perToken20k = wall('chatwire@20000') / 20_000;
  console.log(
    `  chatwire time per token, 20,000 / 5,000  ${ratio(perToken20k / perToken5k)}   (goal ≤ 1×: linear)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

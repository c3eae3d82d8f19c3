/**
 * The benchmark machinery: builds the benchmark page for production, serves it, opens it in
 * headless Chromium and measures streams and long transcripts there. `bench/run.ts` prints
 * the full tables; `bench/ratios.test.ts` checks the ratios that must not regress.
 *
 * These machines are noisy, so every measure is the median of several runs, each on a fresh
 * page, and what matters is the ratio between implementations measured in the same run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type CDPSession, chromium, type Page } from 'playwright';
import { build, type PreviewServer, preview } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.ts';
import type { HistoryResult, HistorySpec, StreamSpec } from './page/api.ts';

export type {
  HistoryResult,
  HistorySpec,
  Implementation,
  StreamSpec,
  TextKind,
} from './page/api.ts';

/** One stream, as the page and Chromium's own counters saw it. */
export interface StreamResult {
  wallMs: number;
  /** Main-thread JavaScript time during the stream (CDP ScriptDuration). */
  scriptingMs: number;
  /** Main-thread layout and style recalculation time (CDP LayoutDuration + RecalcStyleDuration). */
  layoutStyleMs: number;
  longestTaskMs: number;
  /** The longest task after the first 100 ms (after the first render of the reply). */
  longestLaterTaskMs: number;
  /** JS heap in use at the end of the stream. */
  heapMB: number;
  /** Heap at the end minus heap after a full GC just before the stream, garbage included. */
  heapGrowthMB: number;
}

/** How many rounds to run, and what to tell as each measurement lands (e.g. progress). */
export interface RoundOptions<Spec, Result> {
  runs: number;
  onRun?: (spec: Spec, result: Result) => void;
}

export interface Bench {
  /**
   * The median, field by field, of each spec over `runs` rounds. A round measures every spec
   * once, in turn, so a burst of load on a shared machine hits them all alike and the ratios
   * between them stay fair.
   */
  streams(
    specs: readonly StreamSpec[],
    options: RoundOptions<StreamSpec, StreamResult>,
  ): Promise<StreamResult[]>;
  /** As `streams`, for long transcripts mounted and scrolled. */
  histories(
    specs: readonly HistorySpec[],
    options: RoundOptions<HistorySpec, HistoryResult>,
  ): Promise<HistoryResult[]>;
  close(): Promise<void>;
}

const configFile = fileURLToPath(new URL('./vite.config.ts', import.meta.url));
const VIEWPORT = { width: 900, height: 800 };
const MB = 1_048_576;

/** Builds and serves the page, launches Chromium; call `close()` when done. */
export async function startBench(): Promise<Bench> {
  const outDir = await mkdtemp(join(tmpdir(), 'chatwire-bench-'));
  await buildPage(outDir);
  const server = await preview({
    configFile,
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0 },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) {
    await server.close();
    throw new Error('The benchmark page server did not report a URL.');
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  return new ChromiumBench(browser, server, outDir, url);
}

/**
 * A production build whatever NODE_ENV says: vitest sets it to `test`, and Vite then bundles
 * React's development build, several times slower, which would make the numbers meaningless.
 */
async function buildPage(outDir: string): Promise<void> {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile,
      mode: 'production',
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

class ChromiumBench implements Bench {
  constructor(
    private readonly browser: Browser,
    private readonly server: PreviewServer,
    private readonly outDir: string,
    private readonly url: string,
  ) {}

  streams(
    specs: readonly StreamSpec[],
    options: RoundOptions<StreamSpec, StreamResult>,
  ): Promise<StreamResult[]> {
    return this.inRounds(specs, options, streamOnce);
  }

  histories(
    specs: readonly HistorySpec[],
    options: RoundOptions<HistorySpec, HistoryResult>,
  ): Promise<HistoryResult[]> {
    return this.inRounds(specs, options, (page, spec) =>
      page.evaluate((s) => window.chatwireBench.history(s), spec),
    );
  }

  async close(): Promise<void> {
    await this.browser.close();
    await this.server.close();
    await rm(this.outDir, { recursive: true, force: true });
  }

  /**
   * Measures every spec once per round, one after another (in parallel they would compete
   * for the same cores), each on a freshly loaded page, and returns each spec's medians. The
   * tab is reused: opening a new one costs a second or more on a small machine, and loading
   * the page again already gives a fresh document.
   */
  private async inRounds<Spec, Result extends object>(
    specs: readonly Spec[],
    { runs, onRun }: RoundOptions<Spec, Result>,
    measure: (page: Page, spec: Spec) => Promise<Result>,
  ): Promise<Result[]> {
    const results = specs.map((): Result[] => []);
    const page = await this.browser.newPage({ viewport: VIEWPORT });
    try {
      for (let round = 0; round < runs; round++) {
        for (const [index, spec] of specs.entries()) {
          await this.load(page);
          const result = await measure(page, spec);
          results[index]?.push(result);
          onRun?.(spec, result);
        }
      }
    } finally {
      await page.close();
    }
    return results.map((runsOfSpec) => medianOf(runsOfSpec));
  }

  private async load(page: Page): Promise<void> {
    await page.goto(this.url);
    await page.waitForFunction(() => 'chatwireBench' in window);
    if (!(await page.evaluate(() => window.chatwireBench.production)))
      throw new Error('The benchmark page was not built for production.');
  }
}

/** Chromium's cumulative counters for the page's main thread, by name. */
async function metricsOf(cdp: CDPSession): Promise<Map<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return new Map(metrics.map(({ name, value }) => [name, value]));
}

async function streamOnce(page: Page, spec: StreamSpec): Promise<StreamResult> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.evaluate((s) => window.chatwireBench.prepareStream(s), spec);
  await cdp.send('HeapProfiler.collectGarbage');
  const before = await metricsOf(cdp);
  const { wallMs, longestTaskMs, longestLaterTaskMs } = await page.evaluate(() =>
    window.chatwireBench.runStream(),
  );
  const after = await metricsOf(cdp);
  await cdp.detach();
  const grew = (name: string) => (after.get(name) ?? Number.NaN) - (before.get(name) ?? Number.NaN);
  const heap = after.get('JSHeapUsedSize') ?? Number.NaN;
  return {
    wallMs,
    // CDP reports durations in seconds.
    scriptingMs: grew('ScriptDuration') * 1_000,
    layoutStyleMs: (grew('LayoutDuration') + grew('RecalcStyleDuration')) * 1_000,
    longestTaskMs,
    longestLaterTaskMs,
    heapMB: heap / MB,
    heapGrowthMB: grew('JSHeapUsedSize') / MB,
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The median of each field on its own (so the fields may come from different runs). */
export function medianOf<T extends object>(results: readonly T[]): T {
  const first = results[0];
  if (!first) throw new Error('medianOf() needs at least one result.');
  const fields = Object.keys(first) as (keyof T)[];
  return Object.fromEntries(
    fields.map((field) => [field, median(results.map((result) => Number(result[field])))]),
  ) as T;
}

/**
 * `npm run bench`: measures chatwire against the floor (raw DOM, once per frame) and a naive
 * baseline (React state + scroll per token) in headless Chromium, on a production build, all
 * in the same run: plain and markdown-heavy streams, then a 2,000-message transcript mounted
 * and scrolled. Prints the medians of BENCH_RUNS runs (default 3) and the ratios against
 * their goals. The machinery is in harness.ts.
 */
import {
  type Bench,
  type HistoryResult,
  type HistorySpec,
  type StreamResult,
  type StreamSpec,
  startBench,
} from './harness.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const stream = (
  implementation: StreamSpec['implementation'],
  text: StreamSpec['text'],
  tokens: number,
  options: Pick<StreamSpec, 'renderMarkdown' | 'scroll' | 'firstReply'> = {},
): StreamSpec => ({ implementation, text, tokens, ...options });

// The naive baseline runs at 5,000 tokens only: it is quadratic, and at 20,000 one run would
// take minutes. Every stream is measured on a page that has already shown a short reply, as
// every reply after a session's first is; the first reply on a fresh page, when chatwire's
// code is compiled as it runs, is measured too and shown for context.
const STREAMS: StreamSpec[] = [
  stream('floor', 'plain', 5_000, { firstReply: true }),
  stream('chatwire', 'plain', 5_000, { firstReply: true }),
  stream('chatwire', 'markdown', 5_000, { firstReply: true }),
  stream('floor', 'plain', 5_000),
  stream('floor', 'plain', 5_000, { scroll: false }),
  stream('react-floor', 'plain', 5_000),
  stream('chatwire', 'plain', 5_000),
  stream('chatwire', 'plain', 5_000, { renderMarkdown: false }),
  stream('naive', 'plain', 5_000),
  stream('floor', 'plain', 20_000),
  stream('chatwire', 'plain', 20_000),
  stream('floor', 'markdown', 5_000),
  stream('dom-floor', 'markdown', 5_000),
  stream('chatwire', 'markdown', 5_000),
  stream('chatwire', 'markdown', 5_000, { renderMarkdown: false }),
  stream('naive', 'markdown', 5_000),
  stream('floor', 'markdown', 20_000),
  stream('chatwire', 'markdown', 20_000),
];

const HISTORY_MESSAGES = 2_000;
const SCROLL_STEP_PX = 300;
const HISTORIES: HistorySpec[] = (['chatwire', 'naive'] as const).map((implementation) => ({
  implementation,
  messages: HISTORY_MESSAGES,
  scrollStepPx: SCROLL_STEP_PX,
}));

const scenarioOf = (spec: StreamSpec) => `${spec.text} ${spec.tokens.toLocaleString('en')}`;
const labelOf = (spec: StreamSpec) =>
  [
    spec.implementation,
    spec.renderMarkdown === false ? '(md off)' : '',
    spec.scroll === false ? '(no scroll)' : '',
    spec.firstReply ? '(first reply)' : '',
  ]
    .filter(Boolean)
    .join(' ');
const keyOf = (spec: StreamSpec) => `${scenarioOf(spec)} ${labelOf(spec)}`;

async function measureAll(bench: Bench) {
  const streamResults = await bench.streams(STREAMS, {
    runs: RUNS,
    onRun: (spec, result) => progress(keyOf(spec), result.wallMs),
  });
  const historyResults = await bench.histories(HISTORIES, {
    runs: RUNS,
    onRun: (spec, result) => progress(`history ${spec.implementation} mount`, result.mountMs),
  });
  return {
    streams: byKey(STREAMS, streamResults, keyOf),
    histories: byKey(HISTORIES, historyResults, (spec) => spec.implementation),
  };
}

/** Each spec's result under the spec's key. */
function byKey<Spec, Result>(
  specs: readonly Spec[],
  results: readonly Result[],
  key: (spec: Spec) => string,
): Map<string, Result> {
  const map = new Map<string, Result>();
  for (const [index, spec] of specs.entries()) {
    const result = results[index];
    if (result) map.set(key(spec), result);
  }
  return map;
}

/** On stderr, so stdout holds only the tables. */
const progress = (what: string, ms: number) =>
  process.stderr.write(`  ${what}: ${ms.toFixed(0)} ms\n`);

/** A column: its header and how a row's cell reads; numeric columns are right-aligned. */
interface Column<Row> {
  header: string;
  cell: (row: Row) => string | number;
  digits?: number;
}

function printTable<Row>(columns: Column<Row>[], rows: Row[]): void {
  const cells = rows.map((row) =>
    columns.map(({ cell, digits = 0 }) => {
      const value = cell(row);
      return typeof value === 'number' ? value.toFixed(digits) : value;
    }),
  );
  const widths = columns.map(({ header }, column) =>
    Math.max(header.length, ...cells.map((row) => row[column]?.length ?? 0)),
  );
  const numeric = columns.map(
    ({ cell }) => rows[0] !== undefined && typeof cell(rows[0]) === 'number',
  );
  // Text left-aligned, numbers right-aligned, as a reader compares them.
  const line = (row: string[]) =>
    row
      .map((text, column) => {
        const width = widths[column] ?? 0;
        return numeric[column] ? text.padStart(width) : text.padEnd(width);
      })
      .join('  ');
  console.log(line(columns.map(({ header }) => header)));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of cells) console.log(line(row));
}

function printStreams(streams: Map<string, StreamResult>): void {
  console.log(`\nStreams (median of ${RUNS} runs)\n`);
  const rows = STREAMS.flatMap((spec) => {
    const result = streams.get(keyOf(spec));
    return result ? [{ spec, result }] : [];
  });
  printTable(
    [
      { header: 'scenario', cell: ({ spec }) => scenarioOf(spec) },
      { header: 'implementation', cell: ({ spec }) => labelOf(spec) },
      { header: 'wall ms', cell: ({ result }) => result.wallMs },
      { header: 'scripting ms', cell: ({ result }) => result.scriptingMs },
      { header: 'layout/style ms', cell: ({ result }) => result.layoutStyleMs },
      { header: 'longest task ms', cell: ({ result }) => result.longestTaskMs },
      { header: 'after 100 ms', cell: ({ result }) => result.longestLaterTaskMs },
      { header: 'heap MB', cell: ({ result }) => result.heapMB, digits: 1 },
      { header: 'heap +MB', cell: ({ result }) => result.heapGrowthMB, digits: 1 },
    ],
    rows,
  );
}

function printHistories(histories: Map<string, HistoryResult>): void {
  console.log(
    `\nHistory: ${HISTORY_MESSAGES.toLocaleString('en')} messages, scrolled bottom to top ${SCROLL_STEP_PX} px per frame (median of ${RUNS})\n`,
  );
  printTable(
    [
      { header: 'implementation', cell: ([implementation]) => implementation },
      { header: 'mount ms', cell: ([, result]) => result.mountMs },
      { header: 'all in DOM ms', cell: ([, result]) => result.allInDomMs },
      { header: 'mount longest task ms', cell: ([, result]) => result.mountLongestTaskMs },
      { header: 'max frame ms', cell: ([, result]) => result.maxFrameMs, digits: 1 },
      { header: 'p95 frame ms', cell: ([, result]) => result.p95FrameMs, digits: 1 },
      { header: 'frames > 32 ms', cell: ([, result]) => result.slowFrames },
      { header: 'p95 work ms', cell: ([, result]) => result.p95WorkMs, digits: 1 },
      { header: 'max work ms', cell: ([, result]) => result.maxWorkMs, digits: 1 },
      { header: 'longest task ms', cell: ([, result]) => result.longestTaskMs },
      { header: 'frames', cell: ([, result]) => result.frames },
    ],
    [...histories],
  );
}

interface Goal {
  what: string;
  value: number;
  unit: '×' | ' ms';
  comparison: '≤' | '≥' | '<';
  limit: number;
}

const goal = (
  what: string,
  value: number | undefined,
  [comparison, limit, unit]: [Goal['comparison'], number, Goal['unit']],
): Goal => ({ what, value: value ?? Number.NaN, comparison, limit, unit });

const meets = ({ value, comparison, limit }: Goal) =>
  comparison === '≤' ? value <= limit : comparison === '≥' ? value >= limit : value < limit;

function goalsOf(
  streams: Map<string, StreamResult>,
  histories: Map<string, HistoryResult>,
): Goal[] {
  const wall = (key: string) => streams.get(key)?.wallMs ?? Number.NaN;
  const perTokenGrowth = (text: string) =>
    wall(`${text} 20,000 chatwire`) / 20_000 / (wall(`${text} 5,000 chatwire`) / 5_000);
  const history = histories.get('chatwire');
  return [
    goal(
      'plain 5,000: chatwire / floor',
      wall('plain 5,000 chatwire') / wall('plain 5,000 floor'),
      ['≤', 1.5, '×'],
    ),
    goal(
      'plain 5,000: naive / chatwire',
      wall('plain 5,000 naive') / wall('plain 5,000 chatwire'),
      ['≥', 20, '×'],
    ),
    goal(
      'markdown 5,000: chatwire markdown / chatwire plain',
      wall('markdown 5,000 chatwire') / wall('plain 5,000 chatwire'),
      ['≤', 2, '×'],
    ),
    goal(
      'markdown 5,000: chatwire longest task',
      streams.get('markdown 5,000 chatwire')?.longestTaskMs,
      ['<', 50, ' ms'],
    ),
    goal('plain: chatwire per token, 20,000 / 5,000', perTokenGrowth('plain'), ['≤', 1, '×']),
    goal('markdown: chatwire per token, 20,000 / 5,000', perTokenGrowth('markdown'), ['≤', 1, '×']),
    goal('history: chatwire mount', history?.mountMs, ['≤', 150, ' ms']),
    goal('history: chatwire max scroll frame', history?.maxFrameMs, ['≤', 32, ' ms']),
  ];
}

function printGoals(goals: Goal[]): void {
  console.log('\nRatios and goals (medians of the same run)\n');
  console.log(
    "  Streams are timed after a short warm-up reply; the first reply on a fresh page, when\n  chatwire's code is compiled as it runs, is under 'For context'.\n",
  );
  const width = Math.max(...goals.map((goal) => goal.what.length));
  for (const goal of goals) {
    const value = `${goal.value.toFixed(goal.unit === '×' ? 2 : 0)}${goal.unit}`;
    const verdict = meets(goal) ? 'met' : 'NOT MET';
    console.log(
      `  ${goal.what.padEnd(width)}  ${value.padStart(8)}   goal ${goal.comparison} ${goal.limit}${goal.unit}   ${verdict}`,
    );
  }
}

/**
 * Where the plain-text time goes, next to the goals: the raw-DOM floor does no rendering
 * work a React component can avoid, so React's own floor shows what any React widget pays.
 */
function printContext(streams: Map<string, StreamResult>): void {
  const wall = (key: string) => streams.get(key)?.wallMs ?? Number.NaN;
  const rows: [string, string][] = [
    [
      'plain 5,000: chatwire (md off) / floor',
      wall('plain 5,000 chatwire (md off)') / wall('plain 5,000 floor'),
    ],
    [
      'plain 5,000: chatwire / floor (no scroll)',
      wall('plain 5,000 chatwire') / wall('plain 5,000 floor (no scroll)'),
    ],
    [
      'plain 5,000: react-floor / floor',
      wall('plain 5,000 react-floor') / wall('plain 5,000 floor'),
    ],
    [
      'plain 5,000: chatwire (md off) / react-floor',
      wall('plain 5,000 chatwire (md off)') / wall('plain 5,000 react-floor'),
    ],
    [
      'plain 5,000: chatwire / react-floor',
      wall('plain 5,000 chatwire') / wall('plain 5,000 react-floor'),
    ],
  ].map(([what, ratio]) => [String(what), `${Number(ratio).toFixed(2)}×`]);
  // The least the markdown reply's DOM costs to build, next to chatwire's markdown and plain.
  rows.push(
    [
      'markdown 5,000: chatwire / DOM floor',
      `${(wall('markdown 5,000 chatwire') / wall('markdown 5,000 dom-floor')).toFixed(2)}×`,
    ],
    [
      'markdown 5,000: DOM floor / chatwire plain',
      `${(wall('markdown 5,000 dom-floor') / wall('plain 5,000 chatwire')).toFixed(2)}×`,
    ],
  );
  // The first reply on a fresh page runs chatwire's code for the first time.
  const firstPlain = wall('plain 5,000 chatwire (first reply)');
  const firstMarkdown = streams.get('markdown 5,000 chatwire (first reply)');
  rows.push(
    [
      'first reply, plain 5,000: chatwire / floor',
      `${(firstPlain / wall('plain 5,000 floor (first reply)')).toFixed(2)}×`,
    ],
    [
      'first reply, markdown 5,000: chatwire markdown / plain',
      `${((firstMarkdown?.wallMs ?? Number.NaN) / firstPlain).toFixed(2)}×`,
    ],
    [
      'first reply, markdown 5,000: chatwire longest task',
      `${(firstMarkdown?.longestTaskMs ?? Number.NaN).toFixed(0)} ms`,
    ],
    [
      'first reply, markdown 5,000: longest task after 100 ms',
      `${(firstMarkdown?.longestLaterTaskMs ?? Number.NaN).toFixed(0)} ms`,
    ],
  );
  console.log('\nFor context (not goals)\n');
  const width = Math.max(...rows.map(([what]) => what.length));
  for (const [what, value] of rows) console.log(`  ${what.padEnd(width)}  ${value.padStart(8)}`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const bench = await startBench();
  try {
    const { streams, histories } = await measureAll(bench);
    printStreams(streams);
    printHistories(histories);
    printGoals(goalsOf(streams, histories));
    printContext(streams);
  } finally {
    await bench.close();
  }
  console.log(`\n(${((performance.now() - started) / 1_000).toFixed(0)} s in all)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

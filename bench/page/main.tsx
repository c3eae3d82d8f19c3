/**
 * The benchmark page: streamed replies (stream.tsx) and a long transcript (history.tsx),
 * driven by the harness through `window.chatwireBench`.
 */
import 'chatwire/styles.css';
import type { BenchPageApi } from './api.ts';
import { history } from './history.tsx';
import { prepareStream, runStream } from './stream.tsx';

const api: BenchPageApi = { production: import.meta.env.PROD, prepareStream, runStream, history };
window.chatwireBench = api;

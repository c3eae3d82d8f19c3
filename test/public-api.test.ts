/**
 * chatwire's public API is explicit and append-only: this lists every runtime export of
 * each entry point, so removing or renaming one is a visible, deliberate change.
 */
import { expect, it } from 'vitest';
import readme from '../README.md?raw';
import * as headless from '../src/headless.ts';
import * as main from '../src/index.ts';

it('exports exactly the documented runtime values from "chatwire"', () => {
  expect(Object.keys(main).sort()).toEqual([
    'ChatPanel',
    'ChatWidget',
    'DEFAULT_LABELS',
    'DEFAULT_SERVER_URL',
  ]);
});

const HEADLESS_EXPORTS = [
  'ChatStoreProvider',
  'DEFAULT_MAX_MESSAGE_LENGTH',
  'chatFrame',
  'createChatConnection',
  'createChatStore',
  'defaultHistoryKey',
  'humanEscalationFrame',
  'isServerFrameType',
  'parseServerFrame',
  'resolveHistoryStorage',
  'selectAuthProblem',
  'selectBanners',
  'selectConnectionStatus',
  'selectEscalationStatus',
  'selectIsStreaming',
  'selectMessage',
  'selectMessageIds',
  'selectNextRetryAt',
  'serializeClientFrame',
  'tokenProblem',
  'useChatActions',
  'useChatConnection',
  'useChatHistory',
  'useChatStore',
  'useChatStoreApi',
];

it('exports exactly the documented runtime values from "chatwire/headless"', () => {
  expect(Object.keys(headless).sort()).toEqual(HEADLESS_EXPORTS);
  // What a UI is built from, not the machinery behind it.
  expect(HEADLESS_EXPORTS.length).toBeLessThanOrEqual(30);
});

it('documents every runtime export of "chatwire/headless" in the README', () => {
  const headlessSection = readme.slice(
    readme.indexOf('## Headless'),
    readme.indexOf('## The protocol'),
  );
  // Named in code: `name` or `name(…)`.
  const undocumented = HEADLESS_EXPORTS.filter(
    (name) => !headlessSection.includes(`\`${name}\``) && !headlessSection.includes(`\`${name}(`),
  );
  expect(undocumented).toEqual([]);
});

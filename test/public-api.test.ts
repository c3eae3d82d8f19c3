/**
 * chatwire's public API is explicit and append-only: this lists every runtime export of
 * each entry point, so removing or renaming one is a visible, deliberate change.
 */
import { expect, it } from 'vitest';
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

it('exports exactly the documented runtime values from "chatwire/headless"', () => {
  expect(Object.keys(headless).sort()).toEqual([
    'ChatStoreProvider',
    'DEFAULT_BACKOFF',
    'DEFAULT_ESCALATION_REASON',
    'DEFAULT_LINK_POLICY',
    'DEFAULT_MAX_MESSAGE_LENGTH',
    'DEFAULT_MAX_STORED_MESSAGES',
    'DEFAULT_STALL_TIMEOUT_MS',
    'HISTORY_VERSION',
    'MAX_PROBLEMS',
    'apply',
    'assistantMessageKey',
    'backoffDelay',
    'buildSocketUrl',
    'chatFrame',
    'connectionStatusOf',
    'createChatStore',
    'defaultHistoryKey',
    'humanEscalationFrame',
    'initialChatState',
    'initialLinkState',
    'isAuthFailureClose',
    'isServerFrameType',
    'nextLinkDeadline',
    'parseServerFrame',
    'pingFrame',
    'readStoredHistory',
    'readTokenExpiry',
    'readTokenSubject',
    'reduce',
    'resolveHistoryStorage',
    'selectBanners',
    'selectConnectionStatus',
    'selectEscalationStatus',
    'selectIsStreaming',
    'selectMessage',
    'selectMessageIds',
    'serializeClientFrame',
    'stepLink',
    'tokenProblem',
    'useChatActions',
    'useChatConnection',
    'useChatHistory',
    'useChatStore',
    'useChatStoreApi',
    'wantsSocket',
  ]);
});

// Plain Node ESM, as a server-rendering framework runs it: import the package and render.

import { ChatWidget } from 'chatwire';
import { createChatStore, parseServerFrame } from 'chatwire/headless';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';

const html = renderToString(createElement(ChatWidget, { token: null }));
const frame = parseServerFrame('{"type":"pong","timestamp":"2026-01-01T00:00:00.000Z"}');
console.log(JSON.stringify({ html, frameOk: frame.ok, store: typeof createChatStore().actions }));

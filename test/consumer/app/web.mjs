// The same app for webpack, without JSX (no loader needed): what a webpack or Next.js build
// does with chatwire's ESM and its dependencies' package exports.
import { ChatWidget } from 'chatwire';
import { createElement, version } from 'react';
import { createRoot } from 'react-dom/client';

const params = new URLSearchParams(location.search);
document.title = `React ${version} (webpack)`;
createRoot(document.getElementById('root')).render(
  createElement(ChatWidget, { token: params.get('token'), url: params.get('url') }),
);

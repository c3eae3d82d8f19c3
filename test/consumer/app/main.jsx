// What a consumer writes: the three lines from chatwire's README, nothing from its source.
import { ChatWidget } from 'chatwire';
import 'chatwire/styles.css';
import { version } from 'react';
import { createRoot } from 'react-dom/client';

const params = new URLSearchParams(location.search);
document.title = `React ${version}`;
createRoot(document.getElementById('root')).render(
  <ChatWidget token={params.get('token')} url={params.get('url')} />,
);

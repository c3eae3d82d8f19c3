// Browser tests see the widget as a host app does: with chatwire's stylesheet loaded.
import '../src/styles.css';
import { beforeEach } from 'vitest';

// A widget keeps its conversation in localStorage: each test starts with none kept.
beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
});

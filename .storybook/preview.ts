import type { Preview } from '@storybook/react-vite';
import '../src/styles.css';

const preview: Preview = {
  parameters: {
    layout: 'padded',
    // axe runs on every story as part of `npm test`; any violation fails it.
    a11y: { test: 'error' },
  },
};

export default preview;

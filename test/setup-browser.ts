// Browser tests see the widget as a host app does: with chatwire's stylesheet loaded.
import '../src/styles.css';

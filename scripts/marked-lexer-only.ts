/**
 * A build plugin that gives chatwire's bundle marked's lexer without the rest of marked.
 *
 * chatwire renders markdown from marked's tokens with React (`src/markdown/render.tsx`); it
 * never uses marked's HTML parser, renderers, hooks or `marked()` itself. But marked ships as
 * one module that ends by building a default instance and hanging every part on it
 * (`var v = new Marked(); marked.Parser = …`), and those statements keep all of marked alive
 * in any bundler: 15.5 kB gzip where the lexer and its tokenizer are 12.2 kB. This plugin cuts
 * the module where that default instance is made and exports only what chatwire imports, so
 * everything else is shaken out. Only `vite build` uses it; tests and Storybook load marked
 * whole, and the code kept is marked's own, byte for byte.
 *
 * marked's bundle is generated and minified, so the cut is found from its export list, not
 * from fixed names; if the layout ever changes, the build stops with a message saying so
 * rather than shipping something else.
 */
import MagicString from 'magic-string';
import type { Plugin } from 'vite';

/** The values chatwire imports from marked (types need nothing at run time). */
const KEPT_EXPORTS = ['Lexer', 'getDefaults'] as const;

const MARKED_MODULE = /[\\/]node_modules[\\/]marked[\\/]lib[\\/]marked\.esm\.js$/;

/** `export{A as Hooks,w as Lexer,…};` at the very end of marked's bundle, as a name map. */
function readExportList(code: string): Map<string, string> | null {
  const match = /export\s*\{([^}]*)\}\s*;?\s*(\/\/# sourceMappingURL=\S*\s*)?$/.exec(code);
  if (!match?.[1]) return null;
  const locals = new Map<string, string>();
  for (const entry of match[1].split(',')) {
    const [local, exported = local] = entry.trim().split(/\s+as\s+/);
    if (local && exported) locals.set(exported.trim(), local.trim());
  }
  return locals;
}

function escapeForRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** marked's code up to (not including) the statement that makes its default instance. */
export function keepLexerOnly(code: string): string {
  const locals = readExportList(code);
  const markedClass = locals?.get('Marked');
  if (!locals || !markedClass) throw layoutChanged('no export list naming Marked');
  const defaultInstance = new RegExp(
    `(?:var|let|const)\\s+[\\w$]+\\s*=\\s*new\\s+${escapeForRegExp(markedClass)}\\b`,
  );
  const cut = defaultInstance.exec(code);
  if (!cut) throw layoutChanged(`no default instance made with new ${markedClass}`);
  const kept = KEPT_EXPORTS.map((name) => {
    const local = locals.get(name);
    if (!local) throw layoutChanged(`no export named ${name}`);
    return `${local} as ${name}`;
  });
  return `${code.slice(0, cut.index)}\nexport{${kept.join(',')}};\n`;
}

/** marked's banner: its version, copyright and MIT licence. */
function licenseOf(code: string): string {
  const banner = /^\s*\/\*\*?([\s\S]*?)\*\//.exec(code)?.[1];
  if (!banner?.includes('License')) throw layoutChanged('no licence banner at the top');
  return `/*!${banner}*/`;
}

function layoutChanged(what: string): Error {
  return new Error(
    `chatwire's marked-lexer-only build step no longer understands marked's bundle (${what}). ` +
      'Update scripts/marked-lexer-only.ts for this marked version.',
  );
}

/**
 * The Vite plugin: applies {@link keepLexerOnly} to marked's module in `vite build`, and puts
 * marked's licence at the top of the chunk its code lands in (the bundler drops the banner with
 * the statements it shakes out, and MIT asks for the notice to travel with the code).
 */
export function markedLexerOnly(): Plugin {
  let license = '';
  let cutMarked = false;
  return {
    name: 'chatwire:marked-lexer-only',
    apply: 'build',
    buildStart() {
      cutMarked = false;
    },
    transform(code, id) {
      if (!MARKED_MODULE.test(id)) return null;
      license = licenseOf(code);
      cutMarked = true;
      return { code: keepLexerOnly(code), map: null };
    },
    buildEnd(error) {
      if (error) return;
      // marked loaded from a file this step does not know (renamed, or its exports map
      // changed): the whole of marked would ship again, silently. Say so instead.
      const loadedMarked = [...this.getModuleIds()].some((id) =>
        /[\\/]node_modules[\\/]marked[\\/]/.test(id),
      );
      if (loadedMarked && !cutMarked) {
        throw layoutChanged('marked was loaded from a file other than lib/marked.esm.js');
      }
    },
    renderChunk(code, chunk) {
      if (!chunk.moduleIds.some((id) => MARKED_MODULE.test(id))) return null;
      const withLicense = new MagicString(code).prepend(`${license}\n`);
      return { code: withLicense.toString(), map: withLicense.generateMap({ hires: true }) };
    },
  };
}

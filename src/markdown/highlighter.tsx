/**
 * The highlighter itself: lowlight with highlight.js's common grammars, turned into React
 * elements. Imported only by `highlight.ts`, dynamically, so it ships as a chunk of its own
 * and costs nothing to a page whose replies have no code.
 *
 * lowlight returns a syntax tree (hast), not HTML: each token becomes a `<span>` with one of
 * chatwire's token classes, and each text a React text node, so code from a model can never
 * become markup, whatever it holds.
 */
import type { RootContent } from 'hast';
import { common, createLowlight } from 'lowlight';
import { Fragment, type ReactNode } from 'react';

const lowlight = createLowlight(common);

/**
 * Blocks longer than this stay plain: the grammars run on the main thread, and a block of
 * many kilobytes would hold up the reply it sits in for longer than the colours are worth.
 */
const MAX_CHARACTERS = 40_000;

/**
 * chatwire's token classes (colours in `styles/markdown.css`), each with the highlight.js
 * scopes it colours. Seven colours, as GitHub's theme groups them; scopes not listed
 * (operators, punctuation, parameters…) keep the code's own colour.
 */
const TOKEN_CLASSES: Record<string, readonly string[]> = {
  'cw:hl-keyword': ['keyword', 'doctag', 'type', 'template-tag', 'template-variable', 'deletion'],
  'cw:hl-title': ['title', 'class', 'function'],
  'cw:hl-constant': [
    'number',
    'literal',
    'variable',
    'attr',
    'attribute',
    'meta',
    'section',
    'selector-attr',
    'selector-class',
    'selector-id',
  ],
  'cw:hl-string': ['string', 'regexp', 'char'],
  'cw:hl-built-in': ['built_in', 'symbol', 'bullet', 'link'],
  'cw:hl-comment': ['comment', 'code', 'formula'],
  'cw:hl-name': ['name', 'quote', 'selector-tag', 'selector-pseudo', 'addition'],
};

const CLASS_OF_SCOPE = new Map(
  Object.entries(TOKEN_CLASSES).flatMap(([className, scopes]) =>
    scopes.map((scope) => [scope, className] as const),
  ),
);

/**
 * `code` coloured as `language` (a name or alias highlight.js knows, in any case), or null
 * when it knows no such language or the block is too long to colour.
 */
export function highlight(code: string, language: string): ReactNode | null {
  if (code.length > MAX_CHARACTERS || !lowlight.registered(language)) return null;
  try {
    // No class prefix: the scope names are mapped to chatwire's classes below, so a host
    // page's own highlight.js theme (`.hljs-keyword`) never reaches into the widget.
    return toReact(lowlight.highlight(language, code, { prefix: '' }).children);
  } catch {
    // A grammar that throws on some input leaves the code plain, and the reply whole.
    return null;
  }
}

/** The tree's nodes as React nodes: tokens as spans with a token class, text as text. */
function toReact(nodes: readonly RootContent[]): ReactNode[] {
  return nodes.map((node, index) => {
    if (node.type === 'text') return node.value;
    if (node.type !== 'element') return null;
    const scope = node.properties.className?.[0];
    const className = scope === undefined ? undefined : CLASS_OF_SCOPE.get(scope);
    const children = toReact(node.children);
    // A highlighted block never changes, so its tokens are keyed by place. A scope chatwire
    // does not colour adds no element: its text takes the colour around it.
    return className ? (
      // biome-ignore lint/suspicious/noArrayIndexKey: the tokens of a finished block never move
      <span key={index} className={className}>
        {children}
      </span>
    ) : (
      // biome-ignore lint/suspicious/noArrayIndexKey: the tokens of a finished block never move
      <Fragment key={index}>{children}</Fragment>
    );
  });
}

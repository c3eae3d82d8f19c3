/**
 * The words of a markdown reply without its markup, as a screen reader should say them:
 * `**bold**` is read as "bold", a link as its text, a table row by row.
 */
import { Lexer, type MarkedToken, type Token } from 'marked';
import { decodeEntities } from './entities.ts';
import { LEXER_OPTIONS } from './incremental.ts';

function textOf(token: MarkedToken): string {
  switch (token.type) {
    case 'space':
    case 'def':
    case 'hr':
    case 'checkbox':
      return '';
    case 'br':
      return '\n';
    case 'text':
      return token.tokens ? inlineText(token.tokens) : decodeEntities(token.text);
    case 'escape':
    case 'codespan':
    case 'code':
      return token.text;
    case 'html':
      return token.raw;
    case 'image':
    case 'link':
    case 'strong':
    case 'em':
    case 'del':
    case 'heading':
    case 'paragraph':
      return inlineText(token.tokens);
    case 'blockquote':
      return blockText(token.tokens);
    case 'list':
      return token.items.map((item) => blockText(item.tokens)).join('\n');
    case 'list_item':
      return blockText(token.tokens);
    case 'table':
      return [token.header, ...token.rows]
        .map((row) => row.map((cell) => inlineText(cell.tokens)).join(' '))
        .join('\n');
    default:
      return token satisfies never;
  }
}

/** The words of inline tokens: an image's alternative text, a link's text. */
export const inlineText = (tokens: readonly Token[]): string =>
  tokens.map((token) => textOf(token as MarkedToken)).join('');

const blockText = (tokens: readonly Token[]) =>
  tokens
    .map((token) => textOf(token as MarkedToken))
    .filter((text) => text !== '')
    .join('\n');

/** `markdown` as plain text: its words, one block per line. */
export function plainTextOf(markdown: string): string {
  try {
    return blockText(Lexer.lex(markdown, LEXER_OPTIONS));
  } catch {
    // Nesting deep enough to overflow the lexer's stack: say the text as written.
    return markdown;
  }
}

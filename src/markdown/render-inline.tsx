/**
 * marked's inline tokens as React elements: text, emphasis, code spans, links, images, line
 * breaks and task boxes. Text reaches the DOM as React text nodes, URLs only after the
 * allow-list; nothing is ever HTML.
 */
import type { MarkedToken, Token, Tokens } from 'marked';
import { Fragment, type ReactNode } from 'react';
import { decodeEntities } from './entities.ts';
import type { MarkdownOptions } from './options.ts';
import { inlineText } from './plain-text-of.ts';
import { safeImageUrl, safeLinkUrl } from './safe-url.ts';

// Without extensions, marked only produces its own token types; the generic kind is for
// extensions, which chatwire does not load.
export const known = (token: Token) => token as MarkedToken;

/** Renders inline tokens: text, emphasis, code spans, links, images, line breaks. */
export function renderInline(tokens: readonly Token[], options: MarkdownOptions): ReactNode[] {
  return tokens.map((token, index) => renderInlineToken(known(token), index, options));
}

function renderInlineToken(token: MarkedToken, key: number, options: MarkdownOptions): ReactNode {
  switch (token.type) {
    case 'text':
      return token.tokens ? (
        <Fragment key={key}>{renderInline(token.tokens, options)}</Fragment>
      ) : (
        decodeEntities(token.text)
      );
    case 'escape':
      return token.text;
    case 'strong':
      return <strong key={key}>{renderInline(token.tokens, options)}</strong>;
    case 'em':
      return <em key={key}>{renderInline(token.tokens, options)}</em>;
    case 'del':
      return <del key={key}>{renderInline(token.tokens, options)}</del>;
    case 'codespan':
      return (
        <code key={key} className="cw:md-code">
          {token.text}
        </code>
      );
    case 'br':
      return <br key={key} />;
    case 'link':
      return <Link key={key} token={token} options={options} />;
    case 'image':
      return <Image key={key} token={token} options={options} />;
    case 'checkbox':
      return <TaskBox key={key} checked={token.checked} options={options} />;
    case 'html':
      // Inline HTML tags are shown as written.
      return token.raw;
    case 'space':
    case 'def':
      return null;
    case 'blockquote':
    case 'code':
    case 'heading':
    case 'hr':
    case 'list':
    case 'list_item':
    case 'paragraph':
    case 'table':
      return token.raw;
    default:
      return token satisfies never;
  }
}

function Link({ token, options }: { token: Tokens.Link; options: MarkdownOptions }) {
  const href = safeLinkUrl(token.href);
  const children = renderInline(token.tokens, options);
  if (!href) return <span data-slot="blocked-link">{children}</span>;
  return (
    <ExternalLink
      href={href}
      title={token.title ? decodeEntities(token.title) : undefined}
      opensInNewTab={options.linkOpensInNewTab}
    >
      {children}
    </ExternalLink>
  );
}

/**
 * A link out of the conversation, to a URL that passed the allow-list. It opens in a new tab,
 * which keeps the conversation, and the app around it, where they were.
 */
export function ExternalLink({
  href,
  title,
  opensInNewTab,
  children,
}: {
  href: string;
  title?: string;
  /** Read to screen readers after the link's text. */
  opensInNewTab: string;
  children: ReactNode;
}) {
  return (
    <a
      href={href}
      title={title}
      target="_blank"
      rel="noopener noreferrer nofollow ugc"
      // Isolated, as `<bdi>` would be, with no extra element: the link's text can never reorder
      // the text around it, or be reordered, and takes its direction from its first letter.
      dir="auto"
      className="cw:md-link"
    >
      {children}
      <span className="cw:sr-only"> {opensInNewTab}</span>
    </a>
  );
}

function Image({ token, options }: { token: Tokens.Image; options: MarkdownOptions }) {
  const alt = inlineText(token.tokens);
  const src = safeImageUrl(token.href, options.allowImage);
  if (src) {
    return (
      <img
        src={src}
        alt={alt}
        title={token.title ? decodeEntities(token.title) : undefined}
        loading="lazy"
        referrerPolicy="no-referrer"
        className="cw:md-image"
      />
    );
  }
  // An image that may not load is offered as a link the user can choose to follow.
  const href = safeLinkUrl(token.href);
  const text = alt || token.href;
  if (!href) return <span data-slot="blocked-image">{text}</span>;
  return (
    <Link
      token={{
        type: 'link',
        raw: token.raw,
        href,
        title: token.title,
        text,
        tokens: [{ type: 'escape', raw: text, text }],
      }}
      options={options}
    />
  );
}

/** A task list item's box: seen as a ballot box, read as done or open. */
function TaskBox({ checked, options }: { checked: boolean; options: MarkdownOptions }) {
  return (
    <>
      <span aria-hidden="true" className="cw:me-1.5">
        {checked ? '☑' : '☐'}
      </span>
      <span className="cw:sr-only">{checked ? options.taskDone : options.taskOpen} </span>
    </>
  );
}

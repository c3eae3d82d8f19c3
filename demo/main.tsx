/**
 * chatwire playground: chat with the reference server's demo responder and try the
 * token states a real app meets (valid, expired, none).
 */
import { ChatWidget } from 'chatwire';
import 'chatwire/styles.css';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';

/** Suggestions for a first message; the last shows a highlighted code block. */
const STARTERS = ['What can you do?', 'Show me some code', 'Write a short list'];

type TokenChoice = 'valid' | 'expired' | 'none';

interface DevToken {
  token: string;
  url: string;
}

async function fetchDevToken(choice: TokenChoice): Promise<DevToken> {
  const ttl = choice === 'expired' ? -60 : 3600;
  const response = await fetch(`/dev-token?sub=playground-user&ttl=${ttl}`);
  if (!response.ok) throw new Error(`dev-token endpoint answered ${response.status}`);
  return (await response.json()) as DevToken;
}

function Playground() {
  const [choice, setChoice] = useState<TokenChoice>('valid');
  const [devToken, setDevToken] = useState<DevToken | null>(null);
  const [problems, setProblems] = useState<string[]>([]);

  useEffect(() => {
    let cancelled = false;
    fetchDevToken(choice).then((next) => {
      if (!cancelled) setDevToken(next);
    });
    return () => {
      cancelled = true;
    };
  }, [choice]);

  return (
    <main className="playground">
      <div>
        <h1>chatwire playground</h1>
        <p>
          The widget on the right talks to the reference server started by <code>npm start</code>.
          Ask it anything: the demo responder streams a short answer word by word.
        </p>
        <fieldset>
          <legend>Token</legend>
          {(['valid', 'expired', 'none'] as const).map((option) => (
            <label key={option}>
              <input
                type="radio"
                name="token"
                checked={choice === option}
                onChange={() => setChoice(option)}
              />{' '}
              {option === 'valid'
                ? 'Valid token'
                : option === 'expired'
                  ? 'Expired token'
                  : 'No token'}
            </label>
          ))}
        </fieldset>
        <h2>Protocol problems</h2>
        <p>{problems.length === 0 ? 'None so far.' : problems.join('\n')}</p>
      </div>
      <div className="widget-slot">
        {devToken && (
          <ChatWidget
            key={`${choice}:${devToken.token}`}
            token={choice === 'none' ? null : devToken.token}
            // With a valid session the page can always mint a fresh token, as an app would
            // from its login API; chatwire asks before every (re)connect.
            getToken={
              choice === 'valid'
                ? () => fetchDevToken('valid').then(({ token }) => token)
                : undefined
            }
            url={devToken.url}
            labels={{ title: 'chatwire demo' }}
            onProblem={(problem) => setProblems((list) => [...list, problem.message])}
            starters={STARTERS}
            highlightCode
            onFeedback={(reply, feedback) => console.info('feedback', feedback, reply.id)}
          />
        )}
      </div>
    </main>
  );
}

const container = document.getElementById('root');
if (!container) throw new Error('The playground page has no #root element.');
createRoot(container).render(
  <StrictMode>
    <Playground />
  </StrictMode>,
);

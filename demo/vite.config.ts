/**
 * The playground that `npm start` serves: a host page importing chatwire the way an app
 * does (`chatwire` and `chatwire/styles.css`, resolved to the sources here) and getting its
 * token from a dev-only endpoint, as an app would from its login API.
 */
import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { mintToken, resolveJwtSecret } from '../server/auth.ts';
import { hardeningFromEnv } from '../server/limits.ts';

const fromRoot = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** Where the reference server listens; `npm start` passes the same values to it. */
const serverHost = process.env.HOST?.trim() || '127.0.0.1';
const serverPort = process.env.PORT?.trim() || '3001';

/**
 * `GET /dev-token?sub=…&ttl=…` mints a token signed with the reference server's secret.
 * Dev only: a real app gets its token from its own login API.
 */
function devTokenEndpoint(): Plugin {
  return {
    name: 'chatwire-dev-token',
    configureServer(server) {
      server.middlewares.use('/dev-token', async (request, response) => {
        const query = new URL(request.url ?? '', 'http://localhost').searchParams;
        const ttl = Number(query.get('ttl') ?? 3600);
        // The aud / iss the server requires when CHATWIRE_JWT_AUDIENCE / _ISSUER are set.
        const claims = hardeningFromEnv(process.env);
        const { jwtAudience, jwtIssuer } = claims.ok ? claims.settings : {};
        const token = await mintToken({
          subject: query.get('sub') || 'playground-user',
          secret: resolveJwtSecret(process.env).secret,
          expiresInSeconds: Number.isFinite(ttl) ? ttl : 3600,
          audience: jwtAudience,
          issuer: jwtIssuer,
        });
        response.setHeader('content-type', 'application/json');
        response.setHeader('cache-control', 'no-store');
        response.end(JSON.stringify({ token, url: `ws://${serverHost}:${serverPort}` }));
      });
    },
  };
}

export default defineConfig({
  root: fromRoot('demo'),
  plugins: [react(), tailwindcss(), devTokenEndpoint()],
  resolve: {
    alias: [
      { find: /^chatwire\/styles\.css$/, replacement: fromRoot('src/styles.css') },
      { find: /^chatwire$/, replacement: fromRoot('src/index.ts') },
    ],
  },
  server: { host: '127.0.0.1', port: 5173 },
});

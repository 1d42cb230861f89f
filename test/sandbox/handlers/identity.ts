import type { TokenStore } from '../auth';
import { queryList, SandboxHttpError } from '../http';
import type { Route, SandboxContext } from '../routes';
import type { SandboxUsers } from '../users';
import { tokenInfoView, userMeView } from '../views';

/** Who is calling: `users/me` (user tokens only, as in Genesys) and `tokens/me`. */

/** A client-credentials token has no user; measured against a real org, Genesys answers 400 with this message. */
const NO_USER_CONTEXT = 'This request requires a user context. Client credentials cannot be used for requests to this resource.';

export function identityRoutes(ctx: SandboxContext, users: SandboxUsers, tokens: TokenStore): Array<Route> {
  return [
    {
      method: 'GET',
      template: '/users/me',
      permissions: [],
      handle: ({ query, token }) => {
        const user = token.userId !== undefined ? users.get(token.userId) : undefined;
        if (!user) throw new SandboxHttpError(400, 'bad.request', NO_USER_CONTEXT);
        const expand = new Set(queryList(query, 'expand'));
        return { status: 200, body: userMeView(ctx.dataset, user, expand, tokenInfoView(ctx.dataset, token)) };
      },
    },
    {
      method: 'GET',
      template: '/tokens/me',
      permissions: [],
      handle: ({ token }) => ({ status: 200, body: tokenInfoView(ctx.dataset, token) }),
    },
    {
      method: 'DELETE',
      template: '/tokens/me',
      permissions: [],
      // Signing out: a user token takes its whole sign-in with it (the refresh token too); a client token only itself.
      handle: ({ token }) => {
        if (token.grantId !== undefined) tokens.revokeGrant(token.grantId);
        else tokens.revokeToken(token.tokenId);
        return { status: 204 };
      },
    },
  ];
}

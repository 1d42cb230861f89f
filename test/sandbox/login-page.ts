/** The sandbox's sign-in pages: the login form of `/oauth/authorize` and its error page. Everything shown is escaped. */

export type HtmlReply = { status: number; html: string };

export const HTML_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  // No form-action: Chromium applies it to the redirect after the POST, which goes to the app's loopback listener.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
};

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#1b1f24;margin:0}
main{max-width:26rem;margin:4rem auto;background:#fff;border:1px solid #d6dbe1;border-radius:8px;padding:1.5rem 2rem}
h1{font-size:1.3rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #6b7480;border-radius:4px;font:inherit}
button{margin-top:1.2rem;padding:.55rem 1.2rem;border:0;border-radius:4px;background:#1f4e85;color:#fff;font:inherit;cursor:pointer}
.error{color:#a12622;background:#fbeaea;border:1px solid #e3b3b1;border-radius:4px;padding:.5rem .7rem}`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
${body}
</main></body>
</html>
`;
}

/** `action` is the authorize URL with its query, so the POST keeps the client's parameters. */
export function loginForm(options: { action: string; organization: string; username?: string; error?: string }): HtmlReply {
  const error = options.error ? `<p class="error" id="signin-error" role="alert">${escapeHtml(options.error)}</p>\n` : '';
  const describedBy = options.error ? ' aria-describedby="signin-error" aria-invalid="true"' : '';
  const body = `<h1>Sign in to Genesys Cloud</h1>
<p>${escapeHtml(options.organization)} (sandbox)</p>
${error}<form method="post" action="${escapeHtml(options.action)}">
<label for="username">Email</label>
<input id="username" name="username" type="email" autocomplete="username" required value="${escapeHtml(options.username ?? '')}"${describedBy}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${describedBy}>
<button type="submit">Sign in</button>
</form>`;
  return { status: 200, html: page('Sign in - Genesys Cloud', body) };
}

export function errorPage(status: number, message: string): HtmlReply {
  const body = `<h1>Sign-in error</h1>
<p role="alert">${escapeHtml(message)}</p>
<p>Close this window and start the sign-in again from the application.</p>`;
  return { status, html: page('Sign-in error - Genesys Cloud', body) };
}

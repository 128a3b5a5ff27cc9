import { bootApp } from './helpers';
import { server, usePlaygroundServer } from './playground-helpers';

/**
 * How the retry playground's files are served: the page and its assets at `/` beside the API, the
 * JSON 404 envelope kept for every unknown route, from the built server and from the app booted
 * in-process. What the page does in a browser is in `playground-scenarios`.
 */

describe('the retry playground page', () => {
  usePlaygroundServer();

  it('serves the page at GET / as HTML, while unknown routes keep the JSON 404 envelope', async () => {
    const home = await fetch(`${server.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await home.text()).toContain('retry playground');

    const script = await fetch(`${server.url}/playground.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    const style = await fetch(`${server.url}/playground.css`);
    expect(style.status).toBe(200);
    expect(style.headers.get('content-type')).toMatch(/^text\/css/);

    for (const path of ['/no-such-page', '/v1/no-such-thing']) {
      const missing = await fetch(`${server.url}${path}`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await missing.json()).toEqual({ error: expect.objectContaining({ type: 'invalid_request_error' }) });
    }
  });

  it("answers a refused Range or precondition on a file in the error envelope, with the status's own words", async () => {
    const pastTheEnd = await fetch(`${server.url}/playground.css`, { headers: { range: 'bytes=99999999-' } });
    expect([pastTheEnd.status, pastTheEnd.headers.get('content-type'), await pastTheEnd.json()]).toEqual([
      416,
      'application/json; charset=utf-8',
      { error: { type: 'invalid_request_error', message: 'Range Not Satisfiable.' } },
    ]);
    const unmatched = await fetch(`${server.url}/playground.css`, { headers: { 'if-match': '"no-such-tag"' } });
    expect([unmatched.status, await unmatched.json()]).toEqual([412, { error: { type: 'invalid_request_error', message: 'Precondition Failed.' } }]);
  });

  it('finds its files beside the module source too, as when the app is booted in-process', async () => {
    const t = await bootApp();
    try {
      const home = await t.http().get('/').expect(200);
      expect(home.headers['content-type']).toMatch(/^text\/html/);
      await t.http().get('/playground-view.js').expect(200);
      const missing = await t.http().get('/no-such-page').expect(404);
      expect(missing.body.error.type).toBe('invalid_request_error');
    } finally {
      await t.app.close();
    }
  });
});

import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { DEFAULT_API_VERSION } from '../src/common/headers';
import { answersOwed } from '../src/common/in-flight';
import { bootApp, KEY, TestApp } from './helpers';
import { waitFor } from './wait-for';

/**
 * Sends raw bytes (each character one byte, as Latin-1 writes it) on a new connection and returns everything the server answers before it closes
 * the connection (each request here asks it to, or is one it closes after answering). The client
 * side stays open meanwhile: Node would drop a connection half-closed before its answer was ready.
 */
function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes, 'latin1'));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

/**
 * Sends raw bytes on a new connection and returns the first answer as soon as it is whole (its
 * headers and the Content-Length bytes of its body), closing the connection then, for a request
 * after which the server keeps the connection open.
 */
function firstAnswer(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes, 'latin1'));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      answer += chunk;
      const headEnd = answer.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(answer.slice(0, headEnd));
      if (headEnd !== -1 && length && answer.length >= headEnd + 4 + Number(length[1])) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('error', reject);
  });
}

/** The status, headers (lower-cased names) and parsed body of a raw HTTP answer. */
function parse(answer: string) {
  const [head, body] = answer.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) };
}

describe('requests Node cannot parse (CONTRACT §2: every answer is JSON with a Request-Id)', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await bootApp();
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => t.app.close());

  /** POSTs a customer named `name` on a raw connection, with these header lines before the rest. */
  const postCustomer = (name: string, headerLines: string) => {
    const body = `name=${name}`;
    return rawRequest(
      port,
      `POST /v1/customers HTTP/1.1\r\n${headerLines}Authorization: Bearer ${KEY}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
  };
  const customersNamed = async (name: string): Promise<number> =>
    (await t.dataSource.query(`SELECT count(*)::int AS count FROM customers WHERE name = $1`, [name]))[0].count;

  it('answers a control character in a header with a 400 in the error envelope', async () => {
    const answer = parse(await rawRequest(port, `POST /v1/charges HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nIdempotency-Key: a\x01b\r\nContent-Length: 0\r\n\r\n`));
    expect(answer.status).toBe(400);
    expect(answer.headers['request-id']).toMatch(/^req_/);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error' });
  });

  it('answers a request pipelined before a broken one first, and then refuses the broken one', async () => {
    const body = 'name=BeforeBroken';
    const answer = await rawRequest(
      port,
      `POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
        `GET /v1/customers HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n`,
    );
    expect(answer.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 400']);
    expect(answer).toContain('"name":"BeforeBroken"');
  });

  it('gives a charge whose Content-Length is one byte short its answer, and only then refuses the byte left over', async () => {
    const body = 'amount=5000&currency=usd&source=tok_visa&description=short!';
    const answer = await rawRequest(
      port,
      `POST /v1/charges HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nIdempotency-Key: k-short-${Date.now()}\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length - 1}\r\n\r\n${body}`,
    );
    // The client learns the charge it made; the stray `!` is then refused as the broken request it starts.
    expect(answer.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 400']);
    expect(answer).toContain('"description":"short"');
  });

  it('reads every header of a request with more than 2 000, its Content-Length after them included', async () => {
    const filler = Array.from({ length: 2_000 }, (_, i) => `h${i}:1\r\n`).join('');
    const answer = parse(await postCustomer('ManyHeaders', `Host: x\r\nConnection: close\r\n${filler}`));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ object: 'customer', name: 'ManyHeaders' });
  });

  it.each(['gzip, chunked', 'foo, chunked'])('refuses Transfer-Encoding %s, whose first coding it would not undo, with a 400', async (coding) => {
    // A name of its own, so that a customer left by another run cannot pass for this one's.
    const name = `Transfer${Date.now()}`;
    const chunk = `name=${name}`;
    const answer = parse(
      await rawRequest(
        port,
        `POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
          `Transfer-Encoding: ${coding}\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
      ),
    );
    expect(answer.status).toBe(400);
    expect(answer.headers.connection).toBe('close');
    expect(answer.body.error.message).toBe(`Unsupported Transfer-Encoding "${coding}": only chunked is supported.`);
    expect(await customersNamed(name)).toBe(0);
  });

  it('answers a body that breaks mid-request at once, rather than wait for the answer to that request', async () => {
    // The request is taken, and its body then breaks (a chunk size that is not hex): its own answer
    // waits for a body that will never come, so the 400 cannot wait for it.
    const bytes =
      `POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
      `Transfer-Encoding: chunked\r\n\r\nzz\r\nname=Broken\r\n0\r\n\r\n`;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
      let received = '';
      // Given up on after 5 s: the connection would otherwise stay open, unanswered.
      const giveUp = setTimeout(() => socket.destroy(), 5_000);
      socket.setEncoding('latin1');
      socket.on('data', (chunk) => (received += chunk));
      socket.on('close', () => {
        clearTimeout(giveUp);
        resolve(received);
      });
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('keeps no count of answers owed to a client that pipelined requests and went', async () => {
    // Answers of the tests before this one, still going out, are let go first.
    await waitFor('the earlier answers to go out', async () => answersOwed() === 0);
    const before = 0;
    const get = `GET /v1/customers?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\n`;
    // The first is held, so the two behind it are queued, unanswered, when the client goes.
    const socket = connect(port, '127.0.0.1', () => socket.write(`${get}Sandbox-Fault: hold; delay_ms=1000\r\n\r\n${get}\r\n${get}\r\n`));
    socket.on('error', () => undefined);
    await waitFor('the three requests to be taken', async () => answersOwed() === before + 3);
    socket.destroy();
    await waitFor('the answers owed to the gone client to be let go', async () => answersOwed() === before);
  });

  it('serves 32 requests pipelined on one connection and refuses the ones beyond with a 429, in order', async () => {
    const get = `GET /v1/customers?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\n\r\n`;
    const last = `GET /v1/customers?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nConnection: close\r\n\r\n`;
    // In one write, so that every request arrives before the first is answered.
    const answer = await rawRequest(port, get.repeat(49) + last);
    const statuses = answer.match(/HTTP\/1\.1 \d{3}/g) ?? [];
    expect(statuses).toEqual([...Array(32).fill('HTTP/1.1 200'), ...Array(18).fill('HTTP/1.1 429')]);
    expect(answer).toContain('"code":"rate_limit"');
  });

  it('answers headers over 16 KB with a 431 in the error envelope', async () => {
    const answer = parse(await rawRequest(port, `GET /v1/charges HTTP/1.1\r\nHost: x\r\nX-Long: ${'k'.repeat(20_000)}\r\n\r\n`));
    expect(answer.status).toBe(431);
    expect(answer.headers['request-id']).toMatch(/^req_/);
    expect(answer.headers['stripe-version']).toBe(DEFAULT_API_VERSION);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', message: 'The request headers are too large.' });
  });

  it('answers an HTTP/1.1 request without a Host header with a 400 in the error envelope, and writes nothing', async () => {
    const answer = parse(await postCustomer('NoHost', ''));
    expect(answer.status).toBe(400);
    expect(answer.headers['request-id']).toMatch(/^req_/);
    expect(answer.headers.connection).toBe('close');
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', message: 'An HTTP/1.1 request must have a Host header.' });
    expect(await customersNamed('NoHost')).toBe(0);
  });

  it('answers an Expect header other than 100-continue with a 417 in the error envelope, and writes nothing', async () => {
    const answer = parse(await postCustomer('Expecting', 'Host: x\r\nIdempotency-Key: k-expect\r\nExpect: 200-ok\r\nStripe-Version: 2020-08-27\r\n'));
    expect(answer.status).toBe(417);
    expect(answer.headers['request-id']).toMatch(/^req_/);
    expect(answer.headers['stripe-version']).toBe('2020-08-27');
    expect(answer.headers['idempotency-key']).toBe('k-expect');
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('200-ok') });
    expect(await customersNamed('Expecting')).toBe(0);
  });

  it('answers a body declared over 1 MB with a 413 before it is sent, and writes nothing', async () => {
    // Only 16 of the 100 GB declared are ever sent: the answer must not wait for the rest. The
    // connection stays open (the server would read on), so the answer is taken as soon as it is whole.
    const declared = `POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000000000\r\n\r\nname=Undeclared`;
    const answer = parse(await firstAnswer(port, declared));
    expect(answer.status).toBe(413);
    expect(answer.body.error).toEqual({ type: 'invalid_request_error', message: 'The request body is larger than 1 MB.' });
    expect(await customersNamed('Undeclared')).toBe(0);
  });

  it('serves the next request on the connection after a 413, once the refused body has been read past', async () => {
    const body = 'a'.repeat(1_500_000);
    const answer = await rawRequest(
      port,
      `POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
        `GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    // Each answer's status line; the second follows the first's body directly.
    expect(answer.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 413', 'HTTP/1.1 200']);
  });

  it('gives the 413 to a client still sending its body, rather than resetting the connection under it', async () => {
    // Each client writes 2 MB in 64 KB pieces, a turn of the event loop apart, after its answer
    // may have come: a server that closed the connection on answering would reset it under them.
    const statuses: (number | string)[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push(
        await new Promise<number | string>((resolve) => {
          const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/v1/customers', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': 32 * 65_536 } });
          req.on('response', (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
          const piece = Buffer.alloc(65_536, 'a');
          let sent = 0;
          const send = () => {
            if (sent++ === 32) return req.end();
            req.write(piece, () => setImmediate(send));
          };
          send();
        }),
      );
    }
    expect(statuses).toEqual(Array(20).fill(413));
  });

  it('does not echo a key with a byte over 0x7F on a 417: Node would write it back as other bytes', async () => {
    const answer = parse(await postCustomer('ExpectingLatin', 'Host: x\r\nIdempotency-Key: cl\xe9\r\nExpect: 200-ok\r\n'));
    expect(answer.status).toBe(417);
    expect(answer.headers['request-id']).toMatch(/^req_/);
    expect(answer.headers).not.toHaveProperty('idempotency-key');
    expect(await customersNamed('ExpectingLatin')).toBe(0);
  });

  it.each([
    ['sent twice', 'Expect: 100-continue\r\nExpect: 100-continue\r\n'],
    ['empty', 'Expect:\r\n'],
  ])('serves a request whose Expect header asks for nothing more than 100-continue (%s)', async (_name, lines) => {
    const answer = await postCustomer('ExpectingLittle', `Host: x\r\nConnection: close\r\n${lines}`);
    expect(answer).toMatch(/HTTP\/1\.1 200 OK/);
    expect(answer).toContain('"name":"ExpectingLittle"');
  });

  it('answers an Expect header that asks for 100-continue and more with a 417 in the error envelope', async () => {
    const answer = await postCustomer('ExpectingMore', 'Host: x\r\nExpect: 100-continue, 200-ok\r\n');
    // Refused before the body is read, the request gets no invitation to send it: the 417 comes first.
    const final = parse(answer);
    expect(final.status).toBe(417);
    expect(final.headers['request-id']).toMatch(/^req_/);
    expect(final.body.error.message).toContain('100-continue, 200-ok');
    expect(await customersNamed('ExpectingMore')).toBe(0);
  });

  /**
   * Sends a request's headers with `Expect: 100-continue` and waits, as curl does, for the server's
   * invitation or its answer. Sends the body only if invited; returns all the server sent by the
   * time it closed the connection, or after a second's silence.
   */
  function expectingContinue(head: string, body: string): Promise<{ invited: boolean; answer: string; closed: boolean }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(`${head}Expect: 100-continue\r\n\r\n`));
      let answer = '';
      let invited = false;
      let silence = setTimeout(() => finish(false), 1_000);
      const finish = (closed: boolean) => {
        clearTimeout(silence);
        socket.destroy();
        resolve({ invited, answer, closed });
      };
      socket.setEncoding('latin1');
      socket.on('data', (chunk) => {
        answer += chunk;
        clearTimeout(silence);
        silence = setTimeout(() => finish(false), 1_000);
        if (!invited && answer.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
          invited = true;
          answer = answer.slice('HTTP/1.1 100 Continue\r\n\r\n'.length);
          socket.write(body);
        }
      });
      socket.on('end', () => finish(true));
      socket.on('error', reject);
    });
  }

  it('invites the body of a request with Expect: 100-continue, and serves it', async () => {
    const body = 'name=Continuing';
    const { invited, answer } = await expectingContinue(
      `POST /v1/customers HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n`,
      body,
    );
    expect(invited).toBe(true);
    expect(parse(answer).body).toMatchObject({ object: 'customer', name: 'Continuing' });
  });

  it.each([
    ['a body declared over 1 MB', 413, `POST /v1/customers HTTP/1.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Length: 2000000\r\n`],
    ['a request without a key', 401, 'POST /v1/customers HTTP/1.1\r\nContent-Length: 15\r\n'],
    ['a POST to an unknown path', 404, `POST /nowhere HTTP/1.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Length: 15\r\n`],
    ['a GET with a body', 200, `GET /v1/customers HTTP/1.1\r\nAuthorization: Bearer ${KEY}\r\nTransfer-Encoding: chunked\r\n`],
  ])('does not invite a body it will not read (%s): answers %i at once and closes the connection', async (_name, status, head) => {
    const { invited, answer, closed } = await expectingContinue(`${head}Host: x\r\nContent-Type: application/x-www-form-urlencoded\r\n`, 'name=Uninvited');
    expect(invited).toBe(false);
    const final = parse(answer);
    expect(final.status).toBe(status);
    expect(final.headers.connection).toBe('close');
    // The client, never invited, sent no body, and the server did not wait for one.
    expect(closed).toBe(true);
    expect(await customersNamed('Uninvited')).toBe(0);
  });

  it.each([
    ['two Host headers', 'Host: a\r\nHost: b\r\n', 'A request must have one Host header, not several.'],
    ['a Host that is not a host', 'Host: a b\r\n', 'Invalid Host header "a b".'],
  ])('answers %s with a 400 in the error envelope', async (_name, hostLines, message) => {
    const answer = parse(await rawRequest(port, `GET /health HTTP/1.1\r\n${hostLines}\r\n`));
    expect(answer.status).toBe(400);
    expect(answer.headers['request-id']).toMatch(/^req_/);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', message });
  });

  it('refuses a POST with two Content-Type headers, whichever comes first, and creates nothing', async () => {
    for (const second of ['application/json', 'application/x-www-form-urlencoded']) {
      const answer = parse(await postCustomer('TwoTypes', `Host: x\r\nConnection: close\r\nContent-Type: ${second}\r\n`));
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', message: 'Send one Content-Type header: this request has more than one.' });
    }
    expect(await customersNamed('TwoTypes')).toBe(0);
  });

  it('serves an HTTP/1.0 request without a Host header, which HTTP/1.0 allows', async () => {
    const answer = await rawRequest(port, `GET /health HTTP/1.0\r\n\r\n`);
    expect(answer.startsWith('HTTP/1.1 200')).toBe(true);
  });

  /** GETs the customer list on a raw connection with this Authorization value. */
  const listWithAuthorization = async (value: string) =>
    parse(await rawRequest(port, `GET /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: ${value}\r\nConnection: close\r\n\r\n`)).status;

  it('takes spaces and tabs around an Authorization value as HTTP does, but not a no-break space', async () => {
    expect(await listWithAuthorization(` \t Bearer \t ${KEY} \t`)).toBe(200);
    expect(await listWithAuthorization(`Bearer ${KEY}\xa0`)).toBe(401);
    expect(await listWithAuthorization(`\xa0Bearer ${KEY}`)).toBe(401);
  });

  it('refuses an Idempotency-Key with bytes over 0x7F, and does not echo it as other bytes', async () => {
    const answer = parse(await postCustomer('keyed', 'Host: x\r\nConnection: close\r\nIdempotency-Key: caf\xc3\xa9\r\n'));
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/Idempotency-Key/);
    expect(answer.headers['idempotency-key']).toBeUndefined();
    expect(await customersNamed('keyed')).toBe(0);
  });

  it('serves a target in absolute form by its path, an IPv6 host included', async () => {
    const answer = parse(await rawRequest(port, `GET http://[::1]:${port}/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    expect(answer).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it.each([
    ['a target that is neither a path nor a URL', 'http://[/v1/charges'],
    ['a target that is not an http URL', 'foo://host/v1/charges'],
    ['a broken escape on a route', '/v1/customers/%zz'],
    ['a broken escape off every route', '/v1/%zz'],
  ])('answers %s with a 400 in the error envelope', async (_what, target) => {
    const answer = parse(await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nConnection: close\r\n\r\n`));
    expect(answer.status).toBe(400);
    expect(answer.headers['request-id']).toMatch(/^req_/);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringMatching(/^The request path cannot be read/) });
  });

  it('answers a CONNECT, which Node hands to no route, with a 404 in the error envelope', async () => {
    const answer = parse(await rawRequest(port, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    expect(answer.status).toBe(404);
    expect(answer.headers['request-id']).toMatch(/^req_/);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', message: `Unrecognized request URL (CONNECT: 127.0.0.1:${port}).` });
  });

  it('keeps serving after clients that send a CONNECT and reset the connection at once', async () => {
    for (let i = 0; i < 20; i++) {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: x\r\n\r\n`);
        socket.resetAndDestroy();
      });
      socket.on('error', () => undefined);
      await new Promise((done) => socket.on('close', done));
    }
    const answer = parse(await rawRequest(port, `GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    expect(answer).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('still serves /health on a new connection after every malformed request above', async () => {
    const answer = await rawRequest(port, `GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(answer.startsWith('HTTP/1.1 200')).toBe(true);
  });
});

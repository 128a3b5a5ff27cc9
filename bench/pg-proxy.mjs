// A TCP proxy in front of PostgreSQL that counts round trips: every simple Query ('Q') and every
// Sync ('S', which ends an extended-protocol exchange: parse, bind, execute) the client sends is
// one wait for the server. The bench puts it between a second oncepay and the database to report
// how many round trips each kind of request costs.
import { createServer, Socket } from 'node:net';

export async function startCountingProxy(target) {
  let roundTrips = 0;
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let buffer = Buffer.alloc(0);
    let startupDone = false;
    client.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        // The startup message (and an SSL request) has no type byte: just a length.
        if (!startupDone) {
          if (buffer.length < 4) break;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) break;
          buffer = buffer.subarray(length);
          startupDone = true;
          continue;
        }
        if (buffer.length < 5) break;
        const length = buffer.readInt32BE(1);
        if (buffer.length < length + 1) break;
        const type = String.fromCharCode(buffer[0]);
        if (type === 'Q' || type === 'S') roundTrips++;
        buffer = buffer.subarray(length + 1);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(s);
      });
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: server.address().port,
    count: () => roundTrips,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((done) => server.close(done));
    },
  };
}

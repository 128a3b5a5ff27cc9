import { DataSource } from 'typeorm';
import { validateConfig } from '../common/config';
import { dataSourceOptions } from './data-source';
import type { Database } from './embedded-postgres';
import { openDatabase } from './open-database';

/**
 * A data source that also stops the embedded PostgreSQL it started. The TypeORM CLI calls
 * `destroy()` when a command ends and then exits, so this is the last moment to shut the server
 * down cleanly instead of leaving it running without an owner.
 */
class CliDataSource extends DataSource {
  constructor(private readonly database: Database) {
    super(dataSourceOptions(database.url));
  }

  override async destroy(): Promise<void> {
    await super.destroy();
    await this.database.stop();
  }
}

async function createCliDataSource(): Promise<DataSource> {
  return new CliDataSource(await openDatabase(validateConfig(process.env), (line) => console.log(line)));
}

/**
 * The entry point of the TypeORM CLI (`npm run migration:run`, `migration:revert`): the same
 * options as the application's, against `DATABASE_URL` or the embedded server. The CLI awaits
 * an exported promise, so the embedded server can be started first.
 */
export default createCliDataSource();

import type { ObjectLiteral, Repository } from 'typeorm';
import type { Driver } from 'typeorm/driver/Driver';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata';

/** An entity's INSERT up to `VALUES`, and the columns it lists, in order. */
interface InsertShape {
  head: string;
  columns: ColumnMetadata[];
}

const shapes = new WeakMap<EntityMetadata, InsertShape>();

/**
 * Inserts rows into a repository's table with one plain parameterised INSERT: the rows land
 * exactly as `repository.insert` would put them. The column list comes from TypeORM's metadata for the
 * entity, leaving out the columns the database fills (generated ones, and those marked
 * `insert: false`), and each value is converted by TypeORM's own driver (`preparePersistentValue`:
 * JSON for `jsonb`, and so on).
 *
 * Why not `repository.insert`: its query builder builds the statement afresh on every call, with
 * regular expressions over the whole text, and asks for the generated columns back, which no caller
 * here reads. On a create that was about a tenth of the server's CPU. Here the text depends only
 * on the entity and the number of rows, so it is also prepared once per connection
 * (see `preparing-client.ts`). oncepay's entities have no listeners or subscribers, which
 * `repository.insert` would run and this does not.
 *
 * Every listed column must have a value in every row, `null` included. TypeORM would send
 * `DEFAULT` for a missing one; here a missing value is a mistake in the caller, so it throws
 * before anything is sent.
 */
export async function insertRows<T extends ObjectLiteral>(repo: Repository<T>, rows: readonly Partial<T>[]): Promise<void> {
  if (rows.length === 0) return;
  const { metadata, manager } = repo;
  const driver = manager.connection.driver;
  const { head, columns } = insertShape(metadata, driver);
  const values: unknown[] = [];
  const tuples = rows.map((row) => {
    const placeholders = columns.map((column) => {
      const value = column.getEntityValue(row);
      if (value === undefined) throw new Error(`insertRows: ${metadata.name}.${column.propertyName} has no value`);
      values.push(driver.preparePersistentValue(value, column));
      return `$${values.length}`;
    });
    return `(${placeholders.join(', ')})`;
  });
  await manager.query(`${head} ${tuples.join(', ')}`, values);
}

/**
 * An entity's table, quoted for SQL text. A table path may carry a schema (`schema.table`); each
 * part is quoted on its own.
 */
export function quotedTable(metadata: EntityMetadata, driver: Driver): string {
  return metadata.tablePath.split('.').map((part) => driver.escape(part)).join('.');
}

function insertShape(metadata: EntityMetadata, driver: Driver): InsertShape {
  let shape = shapes.get(metadata);
  if (!shape) {
    const columns = metadata.columns.filter((column) => column.isInsert && !column.isGenerated && !column.isVirtual);
    const names = columns.map((column) => driver.escape(column.databaseName)).join(', ');
    shape = { head: `INSERT INTO ${quotedTable(metadata, driver)} (${names}) VALUES`, columns };
    shapes.set(metadata, shape);
  }
  return shape;
}

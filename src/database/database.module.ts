import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source';
import { Migrator } from './migrator';
import { CONNECT_ATTEMPTS, CONNECT_RETRY_DELAY_MS } from './reach-database';

/**
 * The connection pool and the migrations. The URL is resolved before the application is built
 * (from `DATABASE_URL`, or the embedded server `main.ts` started), so it is passed in rather
 * than read from the environment here.
 */
@Module({})
export class DatabaseModule {
  static forRoot(url: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [TypeOrmModule.forRoot({ ...dataSourceOptions(url), retryAttempts: CONNECT_ATTEMPTS, retryDelay: CONNECT_RETRY_DELAY_MS })],
      providers: [Migrator],
    };
  }
}

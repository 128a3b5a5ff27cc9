import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { ChargesModule } from './charges/charges.module';
import { validateConfig } from './common/config';
import { ErrorFilter } from './common/error.filter';
import { RequestMiddleware } from './common/request.middleware';
import { createValidationPipe } from './common/validation';
import { CustomersModule } from './customers/customers.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { PlaygroundModule } from './playground/playground.module';
import { FaultInterceptor } from './sandbox/fault.interceptor';
import { SandboxModule } from './sandbox/sandbox.module';

export interface AppOptions {
  /** The PostgreSQL URL, already resolved: `DATABASE_URL`, or the embedded server's. */
  databaseUrl: string;
}

@Module({})
export class AppModule implements NestModule {
  static forRoot(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateConfig }),
        DatabaseModule.forRoot(options.databaseUrl),
        // Request-scoped storage for the current transaction: services read `txHost.tx` and so
        // run inside whatever transaction the request opened, without passing a manager around.
        ClsModule.forRoot({
          global: true,
          middleware: { mount: true },
          plugins: [
            new ClsPluginTransactional({
              imports: [TypeOrmModule],
              adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: getDataSourceToken() }),
            }),
          ],
        }),
        ScheduleModule.forRoot(),
        HealthModule,
        IdempotencyModule,
        SandboxModule,
        CustomersModule,
        ChargesModule,
        PlaygroundModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        // Interceptors run in the order registered, the first outermost: faults wrap the
        // idempotency layer, so "before execute" precedes the key lookup and "after commit"
        // follows the idempotency transaction's commit.
        { provide: APP_INTERCEPTOR, useExisting: FaultInterceptor },
        { provide: APP_INTERCEPTOR, useExisting: IdempotencyInterceptor },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // Mounted at '/', a prefix every path has, rather than on a wildcard route: a route decodes
    // the path to fill its parameters, so a path with broken percent-encoding (`/v1/customers/%zz`)
    // would fail before the middleware ran and leave the request without its id and context.
    consumer.apply(RequestMiddleware).forRoutes('/');
  }
}

import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyPurger } from './idempotency.purger';
import { IdempotencyService } from './idempotency.service';

/** Idempotency keys (CONTRACT §5): the interceptor on every POST under `/v1`, and the purge. */
@Module({
  providers: [IdempotencyService, IdempotencyPurger, { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor }],
  exports: [IdempotencyService],
})
export class IdempotencyModule {}

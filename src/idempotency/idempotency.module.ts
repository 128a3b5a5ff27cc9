import { Module } from '@nestjs/common';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyPurger } from './idempotency.purger';
import { IdempotencyService } from './idempotency.service';

/**
 * Idempotency keys (CONTRACT §5): the interceptor on every POST under `/v1` (registered globally
 * by `AppModule`, which orders it after the sandbox's), and the purge of expired keys.
 */
@Module({
  providers: [IdempotencyService, IdempotencyPurger, IdempotencyInterceptor],
  exports: [IdempotencyService, IdempotencyInterceptor],
})
export class IdempotencyModule {}

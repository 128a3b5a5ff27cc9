import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Interval } from '@nestjs/schedule';
import type { AppConfig } from '../common/config';
import { PURGE_INTERVAL_MS } from './idempotency.constants';
import { IdempotencyService } from './idempotency.service';

/**
 * Deletes idempotency records whose retention has ended: each is kept for the `IDEMPOTENCY_KEY_TTL`
 * of the process that saved it and of this one (see `IdempotencyService.purgeExpired`). Every
 * process runs it; the DELETEs are idempotent, so several processes purging at once is harmless.
 */
@Injectable()
export class IdempotencyPurger {
  private readonly logger = new Logger('IdempotencyPurger');

  constructor(
    private readonly keys: IdempotencyService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  @Interval(PURGE_INTERVAL_MS)
  async purge(): Promise<number> {
    try {
      const purged = await this.keys.purgeExpired(this.config.get('IDEMPOTENCY_KEY_TTL', { infer: true }));
      if (purged > 0) this.logger.log(`purged ${purged} expired idempotency keys`);
      return purged;
    } catch (error) {
      this.logger.warn(`purging expired idempotency keys failed: ${String(error)}`);
      return 0;
    }
  }
}

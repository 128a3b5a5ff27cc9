import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiDatabaseUnavailable } from '../common/api-docs';
import { DataSource } from 'typeorm';
import { DatabaseUnavailableError } from '../common/errors';

/** How long the health check waits for the database before calling it down. */
const HEALTH_QUERY_TIMEOUT_MS = 2_000;

/**
 * The health check's query: it reads one of oncepay's tables, so that a database which answers
 * but no longer holds oncepay's schema (recreated empty under the running server) is not healthy.
 */
const HEALTH_QUERY = 'SELECT 1 FROM idempotency_keys LIMIT 0';

/**
 * `GET /health`: 200 when the database answers a query, 503 when it does not. No auth. It is
 * written by hand rather than with @nestjs/terminus because CONTRACT §1 fixes its answers: the
 * body `{"status":"ok"}`, and a 503 in the API's one error envelope, where terminus would send
 * its own report (`info`, `error`, `details`) for both.
 */
@Controller('health')
@ApiTags('health')
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ summary: 'Whether the database answers; needs no key' })
  @ApiOkResponse({ description: 'The database answers.', schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } })
  @ApiDatabaseUnavailable()
  async check(): Promise<{ status: 'ok' }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DatabaseUnavailableError()), HEALTH_QUERY_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.dataSource.query(HEALTH_QUERY), timeout]);
      return { status: 'ok' };
    } catch {
      throw new DatabaseUnavailableError();
    } finally {
      clearTimeout(timer);
    }
  }
}

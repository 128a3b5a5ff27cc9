import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiAccountScoped, ApiObjectId, ApiPostBody } from '../common/api-docs';
import { Account, AuthGuard } from '../common/auth.guard';
import { listEnvelope, ListParamsDto } from '../common/list';
import { unixSeconds } from '../common/timestamps';
import { NoParamsPipe } from '../common/validation';
import { ArmFaultDto } from './dto/arm-fault.dto';
import { LoggedRequest } from './logged-request.entity';
import { SandboxFault } from './sandbox-fault.entity';
import { RequestLogService } from './request-log.service';
import { SandboxService } from './sandbox.service';

function faultView(fault: SandboxFault) {
  return {
    id: fault.id,
    object: 'sandbox.fault',
    fault: fault.fault,
    method: fault.method,
    path: fault.path === null ? null : `${fault.path}${fault.pathPrefix ? '*' : ''}`,
    times: fault.times,
    remaining: fault.remaining,
    delay_ms: fault.delayMs,
    created: unixSeconds(fault.created),
  };
}

function requestView(entry: LoggedRequest) {
  return {
    request_id: entry.id,
    method: entry.method,
    path: entry.path,
    idempotency_key: entry.idempotencyKey,
    status: entry.status,
    outcome: entry.outcome,
    fault: entry.fault,
    created: unixSeconds(entry.created),
  };
}

/** The sandbox control plane (CONTRACT §6), scoped like `/v1` to the caller's account. */
@Controller('_sandbox')
@UseGuards(AuthGuard)
@ApiAccountScoped('sandbox')
export class SandboxController {
  constructor(
    private readonly sandbox: SandboxService,
    private readonly requestLog: RequestLogService,
  ) {}

  @Post('faults')
  @HttpCode(200)
  @ApiOperation({ summary: 'Arm a fault for the next matching /v1 requests' })
  @ApiPostBody()
  @ApiOkResponse({ description: 'The armed fault, with its `id` and `remaining`.' })
  async arm(@Account() account: string, @Body() dto: ArmFaultDto) {
    return faultView(await this.sandbox.arm(account, dto));
  }

  @Get('faults')
  @ApiOperation({ summary: 'List the armed faults' })
  @ApiOkResponse({ description: 'A list object of faults.' })
  async listFaults(@Account() account: string, @Query(NoParamsPipe) _query: unknown) {
    return listEnvelope('/_sandbox/faults', (await this.sandbox.list(account)).map(faultView), false);
  }

  @Delete('faults/:id')
  @ApiOperation({ summary: 'Disarm a fault' })
  @ApiObjectId('fault', 'flt')
  @ApiOkResponse({ description: '`{id, object: "sandbox.fault", deleted: true}`.' })
  async disarm(@Account() account: string, @Param('id') id: string, @Query(NoParamsPipe) _query: unknown) {
    await this.sandbox.disarm(account, id);
    return { id, object: 'sandbox.fault', deleted: true };
  }

  @Get('requests')
  @ApiOperation({ summary: "List the account's recent requests, newest first, with their outcome" })
  @ApiOkResponse({
    description: 'A list object of logged requests: `request_id`, `method`, `path`, `idempotency_key`, `status`, `outcome`, `fault`, `created`.',
  })
  async listRequests(@Account() account: string, @Query() params: ListParamsDto) {
    const { rows, hasMore } = await this.requestLog.list(account, params);
    return listEnvelope('/_sandbox/requests', rows.map(requestView), hasMore);
  }

  @Delete('data')
  @ApiOperation({ summary: "Erase the account's objects, keys, faults and request log" })
  @ApiOkResponse({ description: '`{object: "sandbox.data", deleted: true}`.' })
  async reset(@Account() account: string, @Query(NoParamsPipe) _query: unknown) {
    await this.sandbox.reset(account);
    return { object: 'sandbox.data', deleted: true };
  }
}

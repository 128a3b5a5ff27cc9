import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { ApiBadRequest, ApiErrorResponse, ApiIdempotentPost, ApiObjectId, ApiObjectResponse, ApiV1Controller } from '../common/api-docs';
import { Account, AuthGuard } from '../common/auth.guard';
import { CardError } from '../common/errors';
import { listEnvelope } from '../common/list';
import { Charge } from './charge.entity';
import { chargeView } from './charge.view';
import { ChargesService } from './charges.service';
import { CaptureChargeDto } from './dto/capture-charge.dto';
import { CreateChargeDto } from './dto/create-charge.dto';
import { ListChargesDto } from './dto/list-charges.dto';
import { RetrieveChargeDto } from './dto/retrieve-charge.dto';
import { UpdateChargeDto } from './dto/update-charge.dto';

/** `/v1/charges`, as Stripe's. Every POST answers 200, as Stripe's do, not 201. */
@Controller('v1/charges')
@UseGuards(AuthGuard)
@ApiV1Controller('charges')
export class ChargesController {
  constructor(private readonly charges: ChargesService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a charge', description: 'Needs a `source` (a test token or card number) or a `customer`.' })
  @ApiIdempotentPost('The new charge.', 'Charge')
  @ApiErrorResponse(
    402,
    '`card_error`: the test source declines (`card_declined`, `expired_card`, `incorrect_cvc`, `processing_error`). ' +
      'A charge with `status: "failed"` is still created, and `charge` names it.',
    {
      examples: {
        tok_chargeDeclinedInsufficientFunds: new CardError('Your card has insufficient funds.', {
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          charge: 'ch_1a2b3c',
        }),
      },
    },
  )
  @ApiErrorResponse(404, "`resource_missing`: the `customer` named does not exist in the caller's account.")
  async create(@Account() account: string, @Body() dto: CreateChargeDto) {
    const { charge, customer } = await this.charges.create(account, dto);
    return chargeView(charge, dto.expand?.includes('customer') ? customer : undefined);
  }

  @Get()
  @ApiOperation({ summary: 'List charges, newest first' })
  @ApiObjectResponse('A list object: `{object: "list", url, has_more, data}`.', 'ChargeList')
  async list(@Account() account: string, @Query() params: ListChargesDto) {
    const { rows, hasMore } = await this.charges.list(account, params);
    const customers = params.expand?.includes('data.customer') ? await this.charges.customersOf(account, rows) : undefined;
    const data = rows.map((charge) => chargeView(charge, customers && charge.customer ? (customers.get(charge.customer) ?? null) : undefined));
    return listEnvelope('/v1/charges', data, hasMore);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Retrieve a charge' })
  @ApiObjectId('charge', 'ch')
  @ApiObjectResponse('The charge.', 'Charge')
  async retrieve(@Account() account: string, @Param('id') id: string, @Query() params: RetrieveChargeDto) {
    return this.view(account, await this.charges.retrieve(account, id), params.expand);
  }

  @Post(':id')
  @HttpCode(200)
  @ApiOperation({ summary: "Update a charge's description or metadata" })
  @ApiObjectId('charge', 'ch')
  @ApiIdempotentPost('The updated charge.', 'Charge', UpdateChargeDto)
  async update(@Account() account: string, @Param('id') id: string, @Body() dto: UpdateChargeDto) {
    return this.view(account, await this.charges.update(account, id, dto), dto.expand);
  }

  @Post(':id/capture')
  @HttpCode(200)
  @ApiOperation({ summary: 'Capture an authorised charge (created with `capture=false`)' })
  @ApiObjectId('charge', 'ch')
  @ApiIdempotentPost('The captured charge.', 'Charge', CaptureChargeDto)
  @ApiBadRequest('`charge_already_captured` when captured before (saved under the key and replayed, as an outcome).')
  async capture(@Account() account: string, @Param('id') id: string, @Body() dto: CaptureChargeDto) {
    return this.view(account, await this.charges.capture(account, id, dto), dto.expand);
  }

  private async view(account: string, charge: Charge, expand: string[] | undefined) {
    if (!expand?.includes('customer') || charge.customer === null) return chargeView(charge);
    const customers = await this.charges.customersOf(account, [charge]);
    return chargeView(charge, customers.get(charge.customer) ?? null);
  }
}

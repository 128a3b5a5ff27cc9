import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { Account, AuthGuard } from '../common/auth.guard';
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
export class ChargesController {
  constructor(private readonly charges: ChargesService) {}

  @Post()
  @HttpCode(200)
  async create(@Account() account: string, @Body() dto: CreateChargeDto) {
    const { charge, customer } = await this.charges.create(account, dto);
    return chargeView(charge, dto.expand?.includes('customer') ? customer : undefined);
  }

  @Get()
  async list(@Account() account: string, @Query() params: ListChargesDto) {
    const { rows, hasMore } = await this.charges.list(account, params);
    const customers = params.expand?.includes('data.customer') ? await this.charges.customersOf(account, rows) : undefined;
    const data = rows.map((charge) => chargeView(charge, customers && charge.customer ? customers.get(charge.customer) : undefined));
    return listEnvelope('/v1/charges', data, hasMore);
  }

  @Get(':id')
  async retrieve(@Account() account: string, @Param('id') id: string, @Query() params: RetrieveChargeDto) {
    return this.view(account, await this.charges.retrieve(account, id), params.expand);
  }

  @Post(':id')
  @HttpCode(200)
  async update(@Account() account: string, @Param('id') id: string, @Body() dto: UpdateChargeDto) {
    return this.view(account, await this.charges.update(account, id, dto), dto.expand);
  }

  @Post(':id/capture')
  @HttpCode(200)
  async capture(@Account() account: string, @Param('id') id: string, @Body() dto: CaptureChargeDto) {
    return this.view(account, await this.charges.capture(account, id, dto), dto.expand);
  }

  private async view(account: string, charge: Charge, expand: string[] | undefined) {
    if (!expand?.includes('customer') || charge.customer === null) return chargeView(charge);
    const customers = await this.charges.customersOf(account, [charge]);
    return chargeView(charge, customers.get(charge.customer));
  }
}

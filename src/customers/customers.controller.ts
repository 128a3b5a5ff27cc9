import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { Account, AuthGuard } from '../common/auth.guard';
import { listEnvelope } from '../common/list';
import { customerView, deletedCustomerView } from './customer.view';
import { CustomersService } from './customers.service';
import { CreateCustomerDto } from './dto/create-customer.dto';
import { ListCustomersDto } from './dto/list-customers.dto';
import { UpdateCustomerDto } from './dto/update-customer.dto';

/** `/v1/customers`, as Stripe's. Every POST answers 200, as Stripe's do, not 201. */
@Controller('v1/customers')
@UseGuards(AuthGuard)
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @HttpCode(200)
  async create(@Account() account: string, @Body() dto: CreateCustomerDto) {
    return customerView(await this.customers.create(account, dto));
  }

  @Get()
  async list(@Account() account: string, @Query() params: ListCustomersDto) {
    const { rows, hasMore } = await this.customers.list(account, params);
    return listEnvelope('/v1/customers', rows.map(customerView), hasMore);
  }

  @Get(':id')
  async retrieve(@Account() account: string, @Param('id') id: string) {
    return customerView(await this.customers.retrieve(account, id));
  }

  @Post(':id')
  @HttpCode(200)
  async update(@Account() account: string, @Param('id') id: string, @Body() dto: UpdateCustomerDto) {
    return customerView(await this.customers.update(account, id, dto));
  }

  @Delete(':id')
  async remove(@Account() account: string, @Param('id') id: string) {
    await this.customers.remove(account, id);
    return deletedCustomerView(id);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { ApiIdempotentPost, ApiObjectId, ApiObjectResponse, ApiV1Controller } from '../common/api-docs';
import { Account, AuthGuard } from '../common/auth.guard';
import { listEnvelope } from '../common/list';
import { NoParamsPipe } from '../common/validation';
import { customerView, deletedCustomerView } from './customer.view';
import { CustomersService } from './customers.service';
import { CreateCustomerDto } from './dto/create-customer.dto';
import { ListCustomersDto } from './dto/list-customers.dto';
import { RetrieveCustomerDto } from './dto/retrieve-customer.dto';
import { UpdateCustomerDto } from './dto/update-customer.dto';

/** `/v1/customers`, as Stripe's. Every POST answers 200, as Stripe's do, not 201. */
@Controller('v1/customers')
@UseGuards(AuthGuard)
@ApiV1Controller('customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a customer' })
  @ApiIdempotentPost('The new customer.', 'Customer', CreateCustomerDto)
  async create(@Account() account: string, @Body() dto: CreateCustomerDto) {
    return customerView(await this.customers.create(account, dto), dto.expand);
  }

  @Get()
  @ApiOperation({ summary: 'List customers, newest first' })
  @ApiObjectResponse('A list object: `{object: "list", url, has_more, data}`.', 'CustomerList')
  async list(@Account() account: string, @Query() params: ListCustomersDto) {
    const { rows, hasMore } = await this.customers.list(account, params);
    // `data.sources` expands each customer's `sources`.
    const expand = params.expand?.map((field) => field.slice('data.'.length));
    return listEnvelope('/v1/customers', rows.map((customer) => customerView(customer, expand)), hasMore);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Retrieve a customer' })
  @ApiObjectId('customer', 'cus')
  @ApiObjectResponse('The customer, or `{id, object: "customer", deleted: true}` for one deleted since, as Stripe answers.', 'Customer', 'DeletedCustomer')
  async retrieve(@Account() account: string, @Param('id') id: string, @Query() params: RetrieveCustomerDto) {
    const customer = await this.customers.retrieveOrDeleted(account, id);
    return customer === 'deleted' ? deletedCustomerView(id) : customerView(customer, params.expand);
  }

  @Post(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Update a customer; an empty value clears a field' })
  @ApiObjectId('customer', 'cus')
  @ApiIdempotentPost('The updated customer.', 'Customer', UpdateCustomerDto)
  async update(@Account() account: string, @Param('id') id: string, @Body() dto: UpdateCustomerDto) {
    return customerView(await this.customers.update(account, id, dto), dto.expand);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a customer' })
  @ApiObjectId('customer', 'cus')
  @ApiObjectResponse('`{id, object: "customer", deleted: true}`.', 'DeletedCustomer')
  async remove(@Account() account: string, @Param('id') id: string, @Query(NoParamsPipe) _query: unknown) {
    await this.customers.remove(account, id);
    return deletedCustomerView(id);
  }
}

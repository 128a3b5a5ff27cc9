import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ResourceMissingError } from '../common/errors';
import { isIdOf, newId } from '../common/ids';
import { listPage } from '../common/list';
import { checkMetadataSize, mergeMetadata, newMetadata } from '../common/metadata';
import { insertRows } from '../database/insert-rows';
import { Customer } from './customer.entity';
import { CreateCustomerDto } from './dto/create-customer.dto';
import { ListCustomersDto } from './dto/list-customers.dto';
import { UpdateCustomerDto } from './dto/update-customer.dto';

@Injectable()
export class CustomersService {
  /**
   * `txHost.tx` is the entity manager of the transaction the current request runs in, or the
   * plain one outside any transaction; the service never opens a transaction itself.
   */
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repo() {
    return this.txHost.tx.getRepository(Customer);
  }

  async create(account: string, dto: CreateCustomerDto): Promise<Customer> {
    const customer = this.repo.create({
      id: newId('cus'),
      account,
      email: dto.email ?? null,
      name: dto.name ?? null,
      description: dto.description ?? null,
      phone: dto.phone ?? null,
      balance: dto.balance ?? 0,
      metadata: newMetadata(dto.metadata),
      invoicePrefix: randomBytes(4).toString('hex').toUpperCase(),
      created: new Date(),
    });
    await insertRows(this.repo, [customer]);
    return customer;
  }

  /** Finds a customer of this account; any other id, including another account's, is a 404. */
  async retrieve(account: string, id: string, param = 'id'): Promise<Customer> {
    const customer = isIdOf('cus', id) ? await this.repo.findOneBy({ id, account }) : null;
    if (!customer) throw new ResourceMissingError('customer', id, param);
    return customer;
  }

  async update(account: string, id: string, dto: UpdateCustomerDto): Promise<Customer> {
    const customer = await this.retrieve(account, id);
    for (const field of ['email', 'name', 'description', 'phone'] as const) {
      if (dto[field] !== undefined) customer[field] = dto[field];
    }
    if (dto.balance !== undefined) customer.balance = dto.balance;
    customer.metadata = checkMetadataSize(mergeMetadata(customer.metadata, dto.metadata));
    await this.repo.update({ id, account }, {
      email: customer.email,
      name: customer.name,
      description: customer.description,
      phone: customer.phone,
      balance: customer.balance,
      metadata: customer.metadata,
    });
    return customer;
  }

  /**
   * Deletes the customer. Its charges keep the customer's id, as Stripe's do; the row goes, so
   * the id answers 404 from then on.
   */
  async remove(account: string, id: string): Promise<void> {
    const customer = await this.retrieve(account, id);
    await this.repo.delete({ id: customer.id, account });
  }

  list(account: string, params: ListCustomersDto) {
    const filter = params.email !== undefined ? { account, email: params.email } : { account };
    return listPage(this.repo, filter, params, 'customer');
  }
}

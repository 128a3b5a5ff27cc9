import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ResourceMissingError } from '../common/errors';
import { findOwned, ObjectKind } from '../common/find-owned';
import { isIdOf, newId } from '../common/ids';
import { listPage } from '../common/list';
import { checkMetadataSize, mergeMetadata, newMetadata } from '../common/metadata';
import { insertRows } from '../database/insert-rows';
import { Customer } from './customer.entity';
import { DeletedCustomer } from './deleted-customer.entity';
import { CreateCustomerDto } from './dto/create-customer.dto';
import { ListCustomersDto } from './dto/list-customers.dto';
import { UpdateCustomerDto } from './dto/update-customer.dto';

const CUSTOMER_KIND: ObjectKind = { name: 'customer', prefix: 'cus' };

/** A customer's `invoice_prefix` is this many random bytes in upper-case hex: 8 characters, as Stripe's. */
const INVOICE_PREFIX_BYTES = 4;

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
      invoicePrefix: randomBytes(INVOICE_PREFIX_BYTES).toString('hex').toUpperCase(),
      created: new Date(),
    });
    await insertRows(this.repo, [customer]);
    return customer;
  }

  /**
   * Finds a customer of this account; any other id, including another account's, is a 404 naming
   * `param` (`customer` when a charge refers to it).
   */
  retrieve(account: string, id: string, param = 'id'): Promise<Customer> {
    return findOwned(this.repo, CUSTOMER_KIND, account, id, { param });
  }

  /**
   * A customer of this account, or `'deleted'` for one deleted since, which Stripe still answers
   * with a stub rather than a 404. The tombstone is read only when the customer is not found. A
   * delete removes the row and writes the tombstone in one statement (see `remove`), so no read
   * can fall between the two and find neither.
   */
  async retrieveOrDeleted(account: string, id: string): Promise<Customer | 'deleted'> {
    try {
      return await this.retrieve(account, id);
    } catch (error) {
      // Only a well-formed id can have a tombstone; any other (one holding a NUL, which PostgreSQL
      // text cannot, say) is not looked up, as `findOwned` does not look it up either.
      if (!(error instanceof ResourceMissingError) || !isIdOf(CUSTOMER_KIND.prefix, id)) throw error;
      const tombstone = await this.txHost.tx.getRepository(DeletedCustomer).existsBy({ id, account });
      if (tombstone) return 'deleted';
      throw error;
    }
  }

  /**
   * `retrieve` for a read-modify-write: the row stays locked until the request's transaction
   * ends, so concurrent updates take turns instead of overwriting each other (see `findOwned`).
   */
  private retrieveForUpdate(account: string, id: string): Promise<Customer> {
    return findOwned(this.repo, CUSTOMER_KIND, account, id, { forUpdate: true });
  }

  async update(account: string, id: string, dto: UpdateCustomerDto): Promise<Customer> {
    // Locked: the metadata merge below builds on the row read here (see `retrieveForUpdate`).
    const customer = await this.retrieveForUpdate(account, id);
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
   * Deletes the customer. Its charges keep the customer's id, as Stripe's do; the row goes, and a
   * tombstone in `deleted_customers` takes its place, so a retrieve answers Stripe's stub while an
   * update, a delete or a new charge naming it answers 404.
   *
   * It takes no lock, and needs none: the single statement both finds the row and removes it, and
   * writes the tombstone only for a row it removed, so the two land together or not at all; only
   * the count of rows it removed decides the answer. (A DELETE request runs in no
   * transaction, so it could not hold a lock anyway.) Of concurrent deletes, PostgreSQL lets one
   * remove the row; the others wait for it, find nothing left and answer 404, as a later delete
   * does. A delete that meets a locked update waits for the update's commit, and an update
   * that meets a finished delete finds no row and answers 404.
   */
  async remove(account: string, id: string): Promise<void> {
    // TypeORM's `query` answers an INSERT … RETURNING with its rows (a DELETE or UPDATE would get
    // `[rows, count]`): one row here when the customer was removed, none when there was none.
    const removed: unknown[] = isIdOf(CUSTOMER_KIND.prefix, id)
      ? await this.txHost.tx.query(
          `WITH gone AS (DELETE FROM customers WHERE id = $1 AND account = $2 RETURNING id, account, seq)
           INSERT INTO deleted_customers (id, account, seq) SELECT id, account, seq FROM gone RETURNING id`,
          [id, account],
        )
      : [];
    if (removed.length !== 1) throw new ResourceMissingError(CUSTOMER_KIND.name, id, 'id');
  }

  list(account: string, params: ListCustomersDto) {
    const filter = params.email == null ? { account } : { account, email: params.email };
    // A customer deleted since a page was listed still marks where the next page starts.
    return listPage(this.repo, filter, params, CUSTOMER_KIND, this.txHost.tx.getRepository(DeletedCustomer));
  }
}

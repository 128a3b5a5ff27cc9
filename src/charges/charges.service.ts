import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { CardError, InvalidRequestError, InvalidStateError } from '../common/errors';
import { findOwned, ObjectKind } from '../common/find-owned';
import { newId } from '../common/ids';
import { listPage } from '../common/list';
import { checkMetadataSize, mergeMetadata, newMetadata } from '../common/metadata';
import { Customer } from '../customers/customer.entity';
import { CustomersService } from '../customers/customers.service';
import { insertRows } from '../database/insert-rows';
import { Charge } from './charge.entity';
import { CaptureChargeDto } from './dto/capture-charge.dto';
import { CreateChargeDto } from './dto/create-charge.dto';
import { ListChargesDto } from './dto/list-charges.dto';
import { UpdateChargeDto } from './dto/update-charge.dto';
import { CURRENCY_MINIMUMS, DEFAULT_CUSTOMER_SOURCE, TEST_SOURCES } from './test-sources';

const CHARGE_KIND: ObjectKind = { name: 'charge', prefix: 'ch' };

/** Refuses an amount under its currency's minimum (`CURRENCY_MINIMUMS`), as Stripe does. */
function checkMinimum(amount: number, currency: string): void {
  // Validation accepts only the currencies listed there, and a stored charge has one it accepted.
  const minimum = CURRENCY_MINIMUMS.get(currency)!;
  if (amount < minimum) {
    throw new InvalidRequestError(`Amount must be at least ${minimum} ${currency} in the smallest currency unit.`, {
      code: 'amount_too_small',
      param: 'amount',
    });
  }
}

@Injectable()
export class ChargesService {
  /** See `CustomersService`: `txHost.tx` is the current request's transaction, if any. */
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly customers: CustomersService,
  ) {}

  private get repo() {
    return this.txHost.tx.getRepository(Charge);
  }

  /**
   * Creates a charge. Refusals (an amount under the minimum, no source or customer, an unknown
   * source token) are checked first: they are not saved under an Idempotency-Key, so a corrected
   * retry executes. Then come the outcomes, which are saved and replayed: an unknown customer (404)
   * and a declined card, whose failed charge is stored first and named by the 402, as Stripe's is.
   * Nothing is written before the last refusal.
   */
  async create(account: string, dto: CreateChargeDto): Promise<{ charge: Charge; customer: Customer | null }> {
    checkMinimum(dto.amount, dto.currency);
    // An empty `source` or `customer` (null after validation) is one not sent, as in Stripe.
    if (dto.source == null && dto.customer == null) {
      throw new InvalidRequestError('Must provide source or customer.', { code: 'parameter_missing', param: 'source' });
    }
    const sourceName = dto.source ?? DEFAULT_CUSTOMER_SOURCE;
    const source = TEST_SOURCES.get(sourceName);
    if (!source) {
      throw new InvalidRequestError(`No such token: '${sourceName}'. Use a test token such as tok_visa.`, {
        code: 'resource_missing',
        param: 'source',
      });
    }
    // The customer is read, not locked: the charge only copies its id, and charges keep a deleted
    // customer's id by design (there is no foreign key). A charge created while the customer is
    // being deleted ends up just like one created a moment before the delete.
    const customer = dto.customer != null ? await this.customers.retrieve(account, dto.customer, 'customer') : null;

    const captured = dto.capture ?? true;
    const { decline } = source;
    const charge = this.repo.create({
      id: newId('ch'),
      account,
      amount: dto.amount,
      amountCaptured: !decline && captured ? dto.amount : 0,
      amountRefunded: 0,
      currency: dto.currency,
      customer: customer?.id ?? null,
      description: dto.description ?? null,
      receiptEmail: dto.receipt_email ?? null,
      metadata: newMetadata(dto.metadata),
      status: decline ? 'failed' : 'succeeded',
      captured: !decline && captured,
      failureCode: decline?.code ?? null,
      failureMessage: decline?.message ?? null,
      declineCode: decline?.decline_code ?? null,
      card: source.card,
      created: new Date(),
    });
    await insertRows(this.repo, [charge]);
    if (decline) {
      throw new CardError(decline.message, { code: decline.code, decline_code: decline.decline_code, charge: charge.id, param: decline.param });
    }
    return { charge, customer };
  }

  /** Finds a charge of this account; any other id, including another account's, is a 404. */
  retrieve(account: string, id: string): Promise<Charge> {
    return findOwned(this.repo, CHARGE_KIND, account, id);
  }

  /**
   * `retrieve` for a read-modify-write: the row stays locked until the request's transaction
   * ends, so concurrent updates take turns instead of overwriting each other (see `findOwned`).
   */
  private retrieveForUpdate(account: string, id: string): Promise<Charge> {
    return findOwned(this.repo, CHARGE_KIND, account, id, { forUpdate: true });
  }

  async update(account: string, id: string, dto: UpdateChargeDto): Promise<Charge> {
    // Locked: the metadata merge below builds on the row read here (see `retrieveForUpdate`).
    const charge = await this.retrieveForUpdate(account, id);
    if (dto.description !== undefined) charge.description = dto.description;
    if (dto.receipt_email !== undefined) charge.receiptEmail = dto.receipt_email;
    charge.metadata = checkMetadataSize(mergeMetadata(charge.metadata, dto.metadata));
    await this.repo.update({ id, account }, { description: charge.description, receiptEmail: charge.receiptEmail, metadata: charge.metadata });
    return charge;
  }

  /**
   * Captures an uncaptured charge, all of it or `amount` of it; as in Stripe, the part not
   * captured is refunded. The row is locked (see `retrieveForUpdate`), so a concurrent second
   * capture waits for the first to commit and then reads the captured row, and is refused as a
   * later capture is. A captured charge is refused before `amount` is looked at, so a second
   * capture answers `charge_already_captured` whatever amount it asks for.
   */
  async capture(account: string, id: string, dto: CaptureChargeDto): Promise<Charge> {
    const charge = await this.retrieveForUpdate(account, id);
    if (charge.status === 'failed') {
      throw new InvalidStateError(`Charge ${id} has failed and cannot be captured.`, { code: 'charge_not_capturable' });
    }
    if (charge.captured) {
      throw new InvalidStateError(`Charge ${id} has already been captured.`, { code: 'charge_already_captured' });
    }
    const amount = dto.amount ?? charge.amount;
    if (amount > charge.amount) {
      throw new InvalidRequestError(`Amount to capture (${amount}) is more than the charge's ${charge.amount}.`, {
        code: 'amount_too_large',
        param: 'amount',
      });
    }
    // A partial capture moves money as a charge does, so it has the charge's minimum too.
    checkMinimum(amount, charge.currency);
    // A receipt e-mail sent with the capture replaces the charge's, as in Stripe.
    const receiptEmail = dto.receipt_email === undefined ? charge.receiptEmail : dto.receipt_email;
    const captured = { captured: true, amountCaptured: amount, amountRefunded: charge.amount - amount, receiptEmail };
    await this.repo.update({ id, account }, captured);
    return Object.assign(charge, captured);
  }

  list(account: string, params: ListChargesDto) {
    const filter = params.customer == null ? { account } : { account, customer: params.customer };
    return listPage(this.repo, filter, params, CHARGE_KIND);
  }

  /** The customers named by these charges, for `expand[]=customer` / `data.customer`. */
  async customersOf(account: string, charges: Charge[]): Promise<Map<string, Customer>> {
    const ids = [...new Set(charges.map((c) => c.customer).filter((id): id is string => id !== null))];
    const found = ids.length > 0 ? await this.txHost.tx.getRepository(Customer).findBy(ids.map((id) => ({ id, account }))) : [];
    return new Map(found.map((c) => [c.id, c]));
  }
}

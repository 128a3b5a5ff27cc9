import type Stripe from 'stripe';
import { listEnvelope } from '../common/list';
import { unixSeconds } from '../common/timestamps';
import { Customer } from './customer.entity';

/**
 * The lists Stripe returns in a customer only when `expand[]` names them. A customer in oncepay has
 * no saved sources, subscriptions or tax ids, so each expands to an empty list, as Stripe's own
 * expand for a customer without them.
 */
const EXPANDABLE_LISTS = ['sources', 'subscriptions', 'tax_ids'] as const;

/**
 * What `expand[]` may name on a customer: the lists above, and the links Stripe expands, which in
 * oncepay are always null and stay null expanded.
 */
export const CUSTOMER_EXPANDABLE = ['default_source', 'invoice_settings.default_payment_method', 'test_clock', ...EXPANDABLE_LISTS] as const;

/**
 * A customer as Stripe's API returns it, with the lists that `expand` names. Fields oncepay does
 * not model carry the value Stripe gives a new customer, so clients that read them see what they
 * would see in test mode.
 */
export function customerView(customer: Customer, expand: readonly string[] = []): Stripe.Customer {
  const lists = EXPANDABLE_LISTS.filter((field) => expand.includes(field));
  return {
    id: customer.id,
    object: 'customer',
    address: null,
    balance: customer.balance,
    created: unixSeconds(customer.created),
    currency: null,
    default_source: null,
    delinquent: false,
    description: customer.description,
    discount: null,
    email: customer.email,
    invoice_prefix: customer.invoicePrefix,
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: customer.metadata,
    name: customer.name,
    next_invoice_sequence: 1,
    phone: customer.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
    ...Object.fromEntries(lists.map((field) => [field, listEnvelope(`/v1/customers/${customer.id}/${field}`, [], false)])),
  };
}

/**
 * Sample customers, for the OpenAPI document's schema of what `customerView` renders (`schemaOf`):
 * one with every field oncepay fills set, and one with none.
 */
export function sampleCustomers(): Customer[] {
  const base = { account: 'acct_sample', seq: '1', created: new Date('2026-01-01T00:00:00Z'), balance: 0, invoicePrefix: '1A2B3C4D' };
  const full = { ...base, id: 'cus_1a2b3c', email: 'jenny@example.com', name: 'Jenny Rosen', description: 'A regular', phone: '+1 555 0100', metadata: { order: '42' } };
  const bare = { ...base, id: 'cus_4d5e6f', email: null, name: null, description: null, phone: null, metadata: {} };
  return [full, bare].map((fields) => Object.assign(new Customer(), fields));
}

/** What `DELETE /v1/customers/:id` answers. */
export function deletedCustomerView(id: string): Stripe.DeletedCustomer {
  return { id, object: 'customer', deleted: true };
}

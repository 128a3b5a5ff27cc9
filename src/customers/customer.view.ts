import type Stripe from 'stripe';
import { unixSeconds } from '../common/timestamps';
import { Customer } from './customer.entity';

/**
 * A customer as Stripe's API returns it. Fields oncepay does not model carry the value Stripe
 * gives a new customer, so clients that read them see what they would see in test mode.
 */
export function customerView(customer: Customer): Stripe.Customer {
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
  };
}

/** What `DELETE /v1/customers/:id` answers. */
export function deletedCustomerView(id: string): Stripe.DeletedCustomer {
  return { id, object: 'customer', deleted: true };
}

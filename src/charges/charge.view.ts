import type Stripe from 'stripe';
import { cardFingerprint } from '../common/ids';
import { unixSeconds } from '../common/timestamps';
import { Customer } from '../customers/customer.entity';
import { customerView, deletedCustomerView, sampleCustomers } from '../customers/customer.view';
import { Charge } from './charge.entity';
import { SOURCE_BRAND_NAMES, TEST_SOURCES } from './test-sources';

/** What `expand[]` may name on a charge. */
export const CHARGE_EXPANDABLE = ['customer'] as const;

/**
 * What Stripe tells the seller of a decline: a generic decline says the bank gave no reason, any
 * other names the decline code the bank returned.
 */
function declineSellerMessage(declineCode: string | null): string {
  if (declineCode === null || declineCode === 'generic_decline') return 'The bank did not return any further details with this decline.';
  return `The bank returned the decline code \`${declineCode}\`.`;
}

function outcome(charge: Charge): Stripe.Charge.Outcome {
  const declined = charge.status === 'failed';
  return {
    advice_code: null,
    network_advice_code: null,
    network_decline_code: null,
    network_status: declined ? 'declined_by_network' : 'approved_by_network',
    reason: charge.declineCode,
    risk_level: 'normal',
    risk_score: 20,
    seller_message: declined ? declineSellerMessage(charge.declineCode) : 'Payment complete.',
    type: declined ? 'issuer_declined' : 'authorized',
  };
}

/**
 * A charge's `customer`: its id; or, when expanded (`expanded` is not undefined), the customer
 * object, or Stripe's `{id, object, deleted: true}` stub if the customer has since been deleted.
 */
function customerField(charge: Charge, expanded: Customer | null | undefined): Stripe.Charge['customer'] {
  if (charge.customer === null || expanded === undefined) return charge.customer;
  return expanded ? customerView(expanded) : deletedCustomerView(charge.customer);
}

/**
 * Charges as `chargeView` renders them, for the OpenAPI document's schema (`schemaOf`): one in
 * each state that fills other fields (captured, only authorised, declined), and with its
 * customer expanded, present or deleted since.
 */
export function sampleChargeViews(): Stripe.Charge[] {
  // Both tokens are rows of TEST_SOURCES, and the second one's row has a decline.
  const captured = {
    id: 'ch_1a2b3c',
    account: 'acct_sample',
    seq: '1',
    created: new Date('2026-01-01T00:00:00Z'),
    amount: 2000,
    amountCaptured: 2000,
    amountRefunded: 0,
    currency: 'usd',
    customer: 'cus_1a2b3c',
    description: 'Order 42',
    receiptEmail: 'jenny@example.com',
    metadata: { order: '42' },
    status: 'succeeded',
    captured: true,
    failureCode: null,
    failureMessage: null,
    declineCode: null,
    card: TEST_SOURCES.get('tok_visa')!.card,
  } satisfies Partial<Charge>;
  const authorised = { ...captured, id: 'ch_4d5e6f', captured: false, amountCaptured: 0 };
  const decline = TEST_SOURCES.get('tok_chargeDeclinedInsufficientFunds')!;
  const declined = {
    ...authorised,
    id: 'ch_7g8h9i',
    customer: null,
    description: null,
    receiptEmail: null,
    status: 'failed',
    failureCode: decline.decline!.code,
    failureMessage: decline.decline!.message,
    declineCode: decline.decline!.decline_code,
    card: decline.card,
  } satisfies Partial<Charge>;
  const [customer] = sampleCustomers();
  return [
    ...[captured, authorised, declined].map((fields) => chargeView(Object.assign(new Charge(), fields))),
    chargeView(Object.assign(new Charge(), { ...captured, customer: customer.id }), customer),
    chargeView(Object.assign(new Charge(), captured), null),
  ];
}

/**
 * A charge as Stripe's API returns it. `expandedCustomer` is given when `customer` is expanded:
 * the customer found, or null if it no longer exists. Fields oncepay does not model (transfers,
 * disputes, fees) carry Stripe's values for a plain card charge.
 */
export function chargeView(charge: Charge, expandedCustomer?: Customer | null): Stripe.Charge {
  const { card } = charge;
  const sourceId = `card_${charge.id.slice(3)}`;
  const fingerprint = cardFingerprint(charge.account, `${card.brand} ${card.last4}`);
  // Test cards pass the CVC check, but the one made to fail it.
  const cvcCheck = charge.failureCode === 'incorrect_cvc' ? 'fail' : 'pass';
  return {
    id: charge.id,
    object: 'charge',
    amount: charge.amount,
    amount_captured: charge.amountCaptured,
    amount_refunded: charge.amountRefunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    // Money moves when a charge is captured, so only then is there a balance transaction.
    balance_transaction: charge.captured ? `txn_${charge.id.slice(3)}` : null,
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'ONCEPAY',
    captured: charge.captured,
    created: unixSeconds(charge.created),
    currency: charge.currency,
    customer: customerField(charge, expandedCustomer),
    description: charge.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: charge.failureCode,
    failure_message: charge.failureMessage,
    fraud_details: {},
    livemode: false,
    metadata: charge.metadata,
    on_behalf_of: null,
    outcome: outcome(charge),
    paid: charge.status === 'succeeded',
    payment_intent: null,
    payment_method: sourceId,
    payment_method_details: {
      type: 'card',
      card: {
        // Only a charge that succeeded was authorized, for its whole amount.
        amount_authorized: charge.status === 'succeeded' ? charge.amount : null,
        authorization_code: null,
        brand: card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: cvcCheck },
        country: card.country,
        electronic_commerce_indicator: null,
        exp_month: card.exp_month,
        exp_year: card.exp_year,
        fingerprint,
        funding: card.funding,
        installments: null,
        last4: card.last4,
        mandate: null,
        network: card.brand,
        network_transaction_id: null,
        // Whether the issuer falls under interchange regulation (the US Durbin amendment): the
        // test cards' issuers do not, as on Stripe's own test cards.
        regulated_status: 'unregulated',
        three_d_secure: null,
        transaction_link_id: null,
        wallet: null,
      } satisfies Stripe.Charge.PaymentMethodDetails.Card,
    },
    receipt_email: charge.receiptEmail,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: {
      id: sourceId,
      object: 'card',
      address_city: null,
      address_country: null,
      address_line1: null,
      address_line1_check: null,
      address_line2: null,
      address_state: null,
      address_zip: null,
      address_zip_check: null,
      brand: SOURCE_BRAND_NAMES[card.brand],
      country: card.country,
      customer: charge.customer,
      cvc_check: cvcCheck,
      dynamic_last4: null,
      exp_month: card.exp_month,
      exp_year: card.exp_year,
      fingerprint,
      funding: card.funding,
      last4: card.last4,
      metadata: {},
      name: null,
      regulated_status: 'unregulated',
      tokenization_method: null,
    } satisfies Stripe.Card,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: charge.status,
    transfer_data: null,
    transfer_group: null,
  };
}

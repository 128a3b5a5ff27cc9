import type Stripe from 'stripe';
import { bootApp, KEY, OTHER_KEY, post, TestApp, truncateAll } from './helpers';

/**
 * The keys a Stripe type requires (not marked `?`). The tables below must list exactly these
 * keys, and all the optional ones, or this file does not compile: the stripe package's own types
 * are the field list the objects are checked against.
 */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type FieldTable<T> = { [K in keyof T]-?: K extends RequiredKeys<T> ? 'required' : 'optional' };

const CUSTOMER_FIELDS: FieldTable<Stripe.Customer> = {
  id: 'required', object: 'required', address: 'optional', balance: 'required', business_name: 'optional',
  cash_balance: 'optional', created: 'required', currency: 'optional', customer_account: 'optional',
  default_source: 'required', deleted: 'optional', delinquent: 'optional', description: 'required',
  discount: 'optional', email: 'required', individual_name: 'optional', invoice_credit_balance: 'optional',
  invoice_prefix: 'optional', invoice_settings: 'required', livemode: 'required', metadata: 'required',
  name: 'optional', next_invoice_sequence: 'optional', phone: 'optional', preferred_locales: 'optional',
  shipping: 'required', sources: 'optional', subscriptions: 'optional', tax: 'optional', tax_exempt: 'optional',
  tax_ids: 'optional', test_clock: 'optional',
};

const CHARGE_FIELDS: FieldTable<Stripe.Charge> = {
  id: 'required', object: 'required', amount: 'required', amount_captured: 'required', amount_refunded: 'required',
  application: 'required', application_fee: 'required', application_fee_amount: 'required',
  authorization_code: 'optional', balance_transaction: 'required', billing_details: 'required',
  calculated_statement_descriptor: 'required', captured: 'required', created: 'required', currency: 'required',
  customer: 'required', description: 'required', disputed: 'required', failure_balance_transaction: 'required',
  failure_code: 'required', failure_message: 'required', fraud_details: 'required', level3: 'optional', livemode: 'required',
  metadata: 'required', on_behalf_of: 'required', outcome: 'required', paid: 'required', payment_intent: 'required',
  payment_method: 'required', payment_method_details: 'required', presentment_details: 'optional',
  radar_options: 'optional', receipt_email: 'required', receipt_number: 'required', receipt_url: 'required',
  refunded: 'required', refunds: 'optional', review: 'required', shipping: 'required', source: 'required',
  source_transfer: 'required', statement_descriptor: 'required', statement_descriptor_suffix: 'required',
  status: 'required', transfer: 'optional', transfer_data: 'required', transfer_group: 'required',
};

const CARD_FIELDS: FieldTable<Stripe.Card> = {
  id: 'required', object: 'required', account: 'optional', address_city: 'required', address_country: 'required',
  address_line1: 'required', address_line1_check: 'required', address_line2: 'required', address_state: 'required',
  address_zip: 'required', address_zip_check: 'required', allow_redisplay: 'optional', available_payout_methods: 'optional',
  brand: 'required', country: 'required', currency: 'optional', customer: 'optional', cvc_check: 'required',
  default_for_currency: 'optional', deleted: 'optional', description: 'optional', dynamic_last4: 'required',
  exp_month: 'required', exp_year: 'required', fingerprint: 'optional', funding: 'required', iin: 'optional',
  issuer: 'optional', last4: 'required', metadata: 'required', name: 'required', networks: 'optional',
  regulated_status: 'required', status: 'optional', tokenization_method: 'required',
};

const PAYMENT_METHOD_CARD_FIELDS: FieldTable<Stripe.Charge.PaymentMethodDetails.Card> = {
  amount_authorized: 'required', authorization_code: 'required', brand: 'required', capture_before: 'optional',
  checks: 'required', country: 'required', description: 'optional', electronic_commerce_indicator: 'required',
  exp_month: 'required', exp_year: 'required', extended_authorization: 'optional', fingerprint: 'optional',
  funding: 'required', iin: 'optional', incremental_authorization: 'optional', installments: 'required',
  issuer: 'optional', last4: 'required', mandate: 'required', moto: 'optional', multicapture: 'optional',
  network: 'required', network_token: 'optional', network_transaction_id: 'required', overcapture: 'optional',
  regulated_status: 'required', setup_credential_usage: 'optional', stored_credential_usage: 'optional',
  three_d_secure: 'required', transaction_link_id: 'required', wallet: 'required',
};

/** Every required field is present, and every field present is one Stripe's type declares. */
function expectShape(body: Record<string, unknown>, fields: Record<string, 'required' | 'optional'>): void {
  const required = Object.keys(fields).filter((k) => fields[k] === 'required');
  expect(required.filter((k) => !(k in body))).toEqual([]);
  expect(Object.keys(body).filter((k) => !(k in fields))).toEqual([]);
}

describe('objects shaped like the stripe package types', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.app.close());
  beforeEach(() => truncateAll(t.dataSource));

  it('returns a customer with every field of Stripe.Customer it requires and none it lacks', async () => {
    const { body } = await post(t, '/v1/customers', { email: 'a@example.com', name: 'Ann', phone: '+1 555 0100' }).expect(200);
    expectShape(body, CUSTOMER_FIELDS);
    expect(body).toMatchObject({ object: 'customer', livemode: false, balance: 0, default_source: null, shipping: null });
    expect(Number.isInteger(body.created)).toBe(true);
    expect(Math.abs(body.created - Date.now() / 1000)).toBeLessThan(60);
  });

  it("names a card source's brand in words and payment_method_details' brand by its code, as Stripe does", async () => {
    const brands: [string, string, string][] = [
      ['tok_visa', 'Visa', 'visa'],
      ['tok_mastercard', 'MasterCard', 'mastercard'],
      ['tok_amex', 'American Express', 'amex'],
    ];
    for (const [source, named, code] of brands) {
      const { body } = await post(t, '/v1/charges', { amount: 1234, currency: 'usd', source }).expect(200);
      expect([body.source.brand, body.payment_method_details.card.brand, body.payment_method_details.card.network]).toEqual([named, code, code]);
    }
  });

  it('returns a charge with every field of Stripe.Charge it requires and none it lacks', async () => {
    const { body } = await post(t, '/v1/charges', { amount: 1234, currency: 'usd', source: 'tok_mastercard' }).expect(200);
    expectShape(body, CHARGE_FIELDS);
    expect(body.payment_method_details).toMatchObject({ type: 'card', card: { brand: 'mastercard', last4: '4444', amount_authorized: 1234 } });
    expectShape(body.payment_method_details.card, PAYMENT_METHOD_CARD_FIELDS);
    expect(body.source).toMatchObject({ object: 'card', last4: '4444', cvc_check: 'pass' });
    expectShape(body.source, CARD_FIELDS);
    expect(body.outcome).toMatchObject({ network_status: 'approved_by_network', type: 'authorized' });
  });

  it("gives a card one fingerprint in an account, another in another account, and fails the CVC check of the card made to", async () => {
    const charge = (source: string, key = KEY) => post(t, '/v1/charges', { amount: 1234, currency: 'usd', source }, key);
    const first = (await charge('tok_visa').expect(200)).body;
    const again = (await charge('4242424242424242').expect(200)).body;
    const other = (await charge('tok_mastercard').expect(200)).body;
    const elsewhere = (await charge('tok_visa', OTHER_KEY).expect(200)).body;
    expect(first.source.fingerprint).toMatch(/^[0-9A-Za-z]{16}$/);
    expect(again.source.fingerprint).toBe(first.source.fingerprint);
    expect(again.payment_method_details.card.fingerprint).toBe(first.source.fingerprint);
    expect(other.source.fingerprint).not.toBe(first.source.fingerprint);
    expect(elsewhere.source.fingerprint).not.toBe(first.source.fingerprint);
    const cvc = await charge('tok_chargeDeclinedIncorrectCvc').expect(402);
    const { body: failed } = await t.http().get(`/v1/charges/${cvc.body.error.charge}`).auth(KEY, '').expect(200);
    expect(failed.source.cvc_check).toBe('fail');
    expect(failed.payment_method_details.card.checks.cvc_check).toBe('fail');
  });

  it('returns a declined charge with the same fields, its failure filled in', async () => {
    const declined = await post(t, '/v1/charges', { amount: 1234, currency: 'usd', source: 'tok_chargeDeclined' }).expect(402);
    const { body } = await t.http().get(`/v1/charges/${declined.body.error.charge}`).auth('sk_test_oncepay_e2e', '').expect(200);
    expectShape(body, CHARGE_FIELDS);
    expect(body).toMatchObject({ status: 'failed', paid: false, failure_code: 'card_declined', failure_message: 'Your card was declined.' });
    expectShape(body.payment_method_details.card, PAYMENT_METHOD_CARD_FIELDS);
    expect(body.payment_method_details.card.amount_authorized).toBeNull();
  });
});

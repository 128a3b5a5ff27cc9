/**
 * The test tokens and card numbers oncepay understands (CONTRACT §4), and what each does. Like
 * Stripe's test mode, the source alone decides the outcome, so a test can ask for a decline.
 */
export interface CardDetails {
  brand: 'visa' | 'mastercard' | 'amex';
  last4: string;
  funding: 'credit';
  exp_month: number;
  exp_year: number;
  country: 'US';
}

/**
 * How a card source (`charge.source`, Stripe's Card object) names each brand: in words, where
 * `payment_method_details.card.brand` uses the lower-case code that `CardDetails` stores.
 */
export const SOURCE_BRAND_NAMES: Record<CardDetails['brand'], string> = {
  visa: 'Visa',
  mastercard: 'MasterCard',
  amex: 'American Express',
};

export interface Decline {
  /** The error's `code` and the charge's `failure_code`. */
  code: string;
  decline_code: string;
  message: string;
  /** The card field at fault, as Stripe names it in the error's `param`, when there is one. */
  param?: 'exp_month' | 'cvc';
}

export interface TestSource {
  card: CardDetails;
  decline?: Decline;
}

/** Test cards expire well in the future, as Stripe's do. */
const EXP = { funding: 'credit', exp_month: 12, exp_year: 2034, country: 'US' } as const;
const visa = (last4: string): CardDetails => ({ brand: 'visa', last4, ...EXP });

const DECLINES = {
  generic: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
  insufficientFunds: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  expired: { code: 'expired_card', decline_code: 'expired_card', message: 'Your card has expired.', param: 'exp_month' },
  incorrectCvc: { code: 'incorrect_cvc', decline_code: 'incorrect_cvc', message: "Your card's security code is incorrect.", param: 'cvc' },
  processing: {
    code: 'processing_error',
    decline_code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
} satisfies Record<string, Decline>;

const SUCCESS: TestSource = { card: visa('4242') };

export const TEST_SOURCES: ReadonlyMap<string, TestSource> = new Map<string, TestSource>([
  ['tok_visa', SUCCESS],
  ['4242424242424242', SUCCESS],
  ['tok_mastercard', { card: { brand: 'mastercard', last4: '4444', ...EXP } }],
  ['tok_amex', { card: { brand: 'amex', last4: '8431', ...EXP } }],
  ['tok_chargeDeclined', { card: visa('0002'), decline: DECLINES.generic }],
  ['4000000000000002', { card: visa('0002'), decline: DECLINES.generic }],
  ['tok_chargeDeclinedInsufficientFunds', { card: visa('9995'), decline: DECLINES.insufficientFunds }],
  ['4000000000009995', { card: visa('9995'), decline: DECLINES.insufficientFunds }],
  ['tok_chargeDeclinedExpiredCard', { card: visa('0069'), decline: DECLINES.expired }],
  ['4000000000000069', { card: visa('0069'), decline: DECLINES.expired }],
  ['tok_chargeDeclinedIncorrectCvc', { card: visa('0127'), decline: DECLINES.incorrectCvc }],
  ['4000000000000127', { card: visa('0127'), decline: DECLINES.incorrectCvc }],
  ['tok_chargeDeclinedProcessingError', { card: visa('0119'), decline: DECLINES.processing }],
  ['4000000000000119', { card: visa('0119'), decline: DECLINES.processing }],
]);

/** What a charge on a customer without a source uses, as the contract says: `tok_visa`. */
export const DEFAULT_CUSTOMER_SOURCE = 'tok_visa';

/**
 * Currencies oncepay accepts, with Stripe's minimum charge amount in each currency's smallest
 * unit. Amounts above `MAX_AMOUNT` are refused in every currency, as Stripe refuses them.
 */
export const CURRENCY_MINIMUMS: ReadonlyMap<string, number> = new Map([
  ['usd', 50], ['eur', 50], ['gbp', 30], ['cad', 50], ['aud', 50], ['nzd', 50], ['chf', 50],
  ['jpy', 50], ['sgd', 50], ['hkd', 400], ['inr', 50], ['brl', 50], ['mxn', 1000], ['dkk', 250],
  ['nok', 300], ['sek', 300], ['pln', 200],
]);
export const MAX_AMOUNT = 99_999_999;

import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsDefined, IsIn, IsInt, IsOptional, Max } from 'class-validator';
import { ApiExpandProperty, ApiMetadataProperty } from '../../common/api-docs';
import { MAX_ID_LENGTH } from '../../common/ids';
import { IsMetadata } from '../../common/metadata';
import type { Param } from '../../common/params';
import { EmptyToNull, Expandable, IsText, MAX_EMAIL_LENGTH, MAX_TEXT_LENGTH, MaxCharacters, OptionalEmail, ToBoolean, ToInteger } from '../../common/validation';
import { CHARGE_EXPANDABLE } from '../charge.view';
import { CURRENCY_MINIMUMS, MAX_AMOUNT } from '../test-sources';

const CURRENCIES = [...CURRENCY_MINIMUMS.keys()];
/** The lowest of the per-currency minimums: the least any charge can be. */
export const LOWEST_MINIMUM = Math.min(...CURRENCY_MINIMUMS.values());

/**
 * `receipt_email`, which a create, an update and a capture all take: an e-mail address, or empty
 * for none (an update or a capture sent it empty clears it).
 */
export const ReceiptEmail = () =>
  applyDecorators(ApiPropertyOptional({ type: String, format: 'email', nullable: true, maxLength: MAX_EMAIL_LENGTH }), OptionalEmail());

/**
 * The parameters of `POST /v1/charges`. The per-currency minimum amount and the rule "a source
 * or a customer" need more than one field, so `ChargesService.create` checks them.
 */
export class CreateChargeDto {
  @ApiProperty({
    type: 'integer',
    minimum: LOWEST_MINIMUM,
    maximum: MAX_AMOUNT,
    example: 2000,
    description:
      `In the currency's smallest unit (cents), at least the currency's minimum (${CURRENCY_MINIMUMS.get('usd')} for usd) ` +
      `and at most ${MAX_AMOUNT}. Form-encoded as a string of digits.`,
  })
  @IsDefined({ message: 'Missing required param: amount.' })
  @ToInteger()
  @IsInt({ message: 'Invalid integer: amount must be a whole number of the smallest currency unit.' })
  @Max(MAX_AMOUNT, { message: `Amount must be no more than ${MAX_AMOUNT}.`, context: { code: 'amount_too_large' } })
  amount!: number;

  @ApiProperty({ enum: CURRENCIES, example: 'usd', description: 'A lower-case ISO currency code.' })
  @IsDefined({ message: 'Missing required param: currency.' })
  @IsText()
  @IsIn(CURRENCIES, { message: `Invalid currency: must be a lower-case ISO code, one of ${CURRENCIES.join(', ')}.` })
  currency!: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_ID_LENGTH, example: 'cus_1a2b3c', description: 'The customer to charge; needed when there is no `source`.' })
  @IsOptional()
  @EmptyToNull()
  @IsText()
  @MaxCharacters(MAX_ID_LENGTH)
  customer?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: MAX_ID_LENGTH,
    example: 'tok_visa',
    description:
      'A test token (`tok_visa`, `tok_mastercard`, `tok_amex`, `tok_chargeDeclined`, `tok_chargeDeclinedInsufficientFunds`, …) ' +
      'or test card number (`4242424242424242`, `4000000000000002`, …); the source decides the outcome.',
  })
  @IsOptional()
  @EmptyToNull()
  @IsText()
  @MaxCharacters(MAX_ID_LENGTH)
  source?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_TEXT_LENGTH })
  @IsOptional()
  @EmptyToNull()
  @IsText()
  @MaxCharacters(MAX_TEXT_LENGTH)
  description?: string | null;

  @ReceiptEmail()
  receipt_email?: string | null;

  @ApiMetadataProperty()
  @IsOptional()
  @IsMetadata()
  metadata?: Param;

  @ApiPropertyOptional({
    type: Boolean,
    default: true,
    description: 'Whether to capture at once; `false` only authorises. Form-encoded as `true` or `false`.',
  })
  @IsOptional()
  @ToBoolean()
  @IsBoolean({ message: 'Invalid boolean: capture must be true or false.' })
  capture?: boolean;

  @ApiExpandProperty(CHARGE_EXPANDABLE)
  @Expandable(CHARGE_EXPANDABLE)
  expand?: string[];
}

import { IsBoolean, IsDefined, IsEmail, IsIn, IsInt, IsOptional, IsString, Max, MaxLength } from 'class-validator';
import { IsMetadata } from '../../common/metadata';
import type { Param } from '../../common/params';
import { EmptyToNull, Expandable, MAX_TEXT_LENGTH, ToBoolean, ToInteger } from '../../common/validation';
import { CHARGE_EXPANDABLE } from '../charge.view';
import { CURRENCY_MINIMUMS, MAX_AMOUNT } from '../test-sources';

const CURRENCIES = [...CURRENCY_MINIMUMS.keys()];

/**
 * The parameters of `POST /v1/charges`. The per-currency minimum amount and the rule "a source
 * or a customer" need more than one field, so `ChargesService.create` checks them.
 */
export class CreateChargeDto {
  @IsDefined({ message: 'Missing required param: amount.' })
  @ToInteger()
  @IsInt({ message: 'Invalid integer: amount must be a whole number of the smallest currency unit.' })
  @Max(MAX_AMOUNT, { message: `Amount must be no more than ${MAX_AMOUNT}.` })
  amount!: number;

  @IsDefined({ message: 'Missing required param: currency.' })
  @IsString()
  @IsIn(CURRENCIES, { message: `Invalid currency: must be a lower-case ISO code, one of ${CURRENCIES.join(', ')}.` })
  currency!: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  customer?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  source?: string;

  @IsOptional()
  @EmptyToNull()
  @IsString()
  @MaxLength(MAX_TEXT_LENGTH)
  description?: string | null;

  @IsOptional()
  @EmptyToNull()
  @IsEmail({}, { message: 'Invalid email address.' })
  @MaxLength(512)
  receipt_email?: string | null;

  @IsOptional()
  @IsMetadata()
  metadata?: Param;

  @IsOptional()
  @ToBoolean()
  @IsBoolean({ message: 'Invalid boolean: capture must be true or false.' })
  capture?: boolean;

  @Expandable(CHARGE_EXPANDABLE)
  expand?: string[];
}

import { IsEmail, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsMetadata } from '../../common/metadata';
import type { Param } from '../../common/params';
import { EmptyToNull, MAX_TEXT_LENGTH, ToInteger } from '../../common/validation';

/** Stripe caps `balance` at what fits its integer columns; oncepay stores it as a 32-bit integer. */
const MAX_BALANCE = 2_147_483_647;

/**
 * The parameters of `POST /v1/customers`; every one of them is optional, as in Stripe. A text
 * field sent empty is `null`: unset on create, cleared on update.
 */
export class CreateCustomerDto {
  @IsOptional()
  @EmptyToNull()
  @IsEmail({}, { message: 'Invalid email address.' })
  @MaxLength(512)
  email?: string | null;

  @IsOptional()
  @EmptyToNull()
  @IsString()
  @MaxLength(256)
  name?: string | null;

  @IsOptional()
  @EmptyToNull()
  @IsString()
  @MaxLength(MAX_TEXT_LENGTH)
  description?: string | null;

  @IsOptional()
  @EmptyToNull()
  @IsString()
  @Matches(/^[0-9+()\-. ]{0,20}$/, { message: 'Invalid phone: digits, spaces and + ( ) - . only, at most 20 characters.' })
  phone?: string | null;

  @IsOptional()
  @ToInteger()
  @IsInt({ message: 'Invalid integer: balance must be a whole number.' })
  @Min(-MAX_BALANCE)
  @Max(MAX_BALANCE)
  balance?: number;

  @IsOptional()
  @IsMetadata()
  metadata?: Param;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ApiMetadataProperty } from '../../common/api-docs';
import { IsMetadata } from '../../common/metadata';
import type { Param } from '../../common/params';
import { EmptyToNull, IsText, MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, MAX_PHONE_LENGTH, MAX_TEXT_LENGTH, MaxCharacters, OptionalEmail, ToInteger } from '../../common/validation';
import { RetrieveCustomerDto } from './retrieve-customer.dto';

/** A phone number as people write one: digits and the usual separators. */
const PHONE = new RegExp(`^[0-9+()\\-. ]{0,${MAX_PHONE_LENGTH}}$`);

/** Stripe caps `balance` at what fits its integer columns; oncepay stores it as a 32-bit integer. */
const MAX_BALANCE = 2_147_483_647;

/**
 * The parameters of `POST /v1/customers`; every one of them is optional, as in Stripe. A text
 * field sent empty is `null`: unset on create, cleared on update. Each `@ApiPropertyOptional`
 * only describes its field for /docs; the class-validator decorators below it are what check it.
 */
export class CreateCustomerDto extends RetrieveCustomerDto {
  @ApiPropertyOptional({ type: String, format: 'email', nullable: true, maxLength: MAX_EMAIL_LENGTH, example: 'jenny@example.com' })
  @OptionalEmail()
  email?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_NAME_LENGTH })
  @IsOptional()
  @EmptyToNull()
  @IsText()
  @MaxCharacters(MAX_NAME_LENGTH)
  name?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_TEXT_LENGTH })
  @IsOptional()
  @EmptyToNull()
  @IsText()
  @MaxCharacters(MAX_TEXT_LENGTH)
  description?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_PHONE_LENGTH, pattern: PHONE.source, example: '+1 (555) 010-0000' })
  @IsOptional()
  @EmptyToNull()
  @IsText()
  @Matches(PHONE, { message: `Invalid phone: digits, spaces and + ( ) - . only, at most ${MAX_PHONE_LENGTH} characters.` })
  phone?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: -MAX_BALANCE,
    maximum: MAX_BALANCE,
    description: 'In the smallest currency unit; negative is a credit. Form-encoded as a string of digits.',
  })
  @IsOptional()
  @ToInteger()
  @IsInt({ message: 'Invalid integer: balance must be a whole number.' })
  @Min(-MAX_BALANCE, { message: `Invalid balance: must be at least ${-MAX_BALANCE}.` })
  @Max(MAX_BALANCE, { message: `Invalid balance: must be at most ${MAX_BALANCE}.` })
  balance?: number;

  @ApiMetadataProperty()
  @IsOptional()
  @IsMetadata()
  metadata?: Param;
}

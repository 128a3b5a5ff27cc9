import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ApiMetadataProperty } from '../../common/api-docs';
import { IsMetadata } from '../../common/metadata';
import type { Param } from '../../common/params';
import { EmptyToNull, MAX_TEXT_LENGTH, ToInteger } from '../../common/validation';

/** Stripe caps `balance` at what fits its integer columns; oncepay stores it as a 32-bit integer. */
const MAX_BALANCE = 2_147_483_647;

/**
 * The parameters of `POST /v1/customers`; every one of them is optional, as in Stripe. A text
 * field sent empty is `null`: unset on create, cleared on update. Each `@ApiPropertyOptional`
 * only describes its field for /docs; the class-validator decorators below it are what check it.
 */
export class CreateCustomerDto {
  @ApiPropertyOptional({ type: String, format: 'email', nullable: true, maxLength: 512, example: 'jenny@example.com' })
  @IsOptional()
  @EmptyToNull()
  @IsEmail({}, { message: 'Invalid email address.' })
  @MaxLength(512)
  email?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 256 })
  @IsOptional()
  @EmptyToNull()
  @IsString()
  @MaxLength(256)
  name?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_TEXT_LENGTH })
  @IsOptional()
  @EmptyToNull()
  @IsString()
  @MaxLength(MAX_TEXT_LENGTH)
  description?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 20, pattern: '^[0-9+()\\-. ]{0,20}$', example: '+1 (555) 010-0000' })
  @IsOptional()
  @EmptyToNull()
  @IsString()
  @Matches(/^[0-9+()\-. ]{0,20}$/, { message: 'Invalid phone: digits, spaces and + ( ) - . only, at most 20 characters.' })
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
  @Min(-MAX_BALANCE)
  @Max(MAX_BALANCE)
  balance?: number;

  @ApiMetadataProperty()
  @IsOptional()
  @IsMetadata()
  metadata?: Param;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { ApiMetadataProperty } from '../../common/api-docs';
import { IsMetadata } from '../../common/metadata';
import type { Param } from '../../common/params';
import { EmptyToNull, IsText, MAX_TEXT_LENGTH, MaxCharacters } from '../../common/validation';
import { ReceiptEmail } from './create-charge.dto';
import { RetrieveChargeDto } from './retrieve-charge.dto';

/** The parameters of `POST /v1/charges/:id`: only the descriptive fields can change. */
export class UpdateChargeDto extends RetrieveChargeDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_TEXT_LENGTH, description: 'An empty value clears it.' })
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
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { ListParamsDto } from '../../common/list';
import { EmptyToNull, IsText, MAX_EMAIL_LENGTH, MaxCharacters } from '../../common/validation';

/** The parameters of `GET /v1/customers`: paging, and an exact `email` filter. */
export class ListCustomersDto extends ListParamsDto {
  /** `email=` (empty) is no filter, as an empty parameter is one not sent everywhere else. */
  @ApiPropertyOptional({ type: String, maxLength: MAX_EMAIL_LENGTH, description: 'Only customers with exactly this email.' })
  @EmptyToNull()
  @IsOptional()
  @IsText()
  @MaxCharacters(MAX_EMAIL_LENGTH)
  email?: string | null;
}

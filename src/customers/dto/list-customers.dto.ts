import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { ApiExpandProperty } from '../../common/api-docs';
import { ListParamsDto } from '../../common/list';
import { EmptyToNull, Expandable, IsText, MAX_EMAIL_LENGTH, MaxCharacters } from '../../common/validation';
import { CUSTOMER_EXPANDABLE } from '../customer.view';

/** What `expand[]` may name on a list: each customer's expandable fields, under `data.`. */
const LIST_EXPANDABLE = CUSTOMER_EXPANDABLE.map((field) => `data.${field}`);

/** The parameters of `GET /v1/customers`: paging, an exact `email` filter, and `expand`. */
export class ListCustomersDto extends ListParamsDto {
  /** `email=` (empty) is no filter, as an empty parameter is one not sent everywhere else. */
  @ApiPropertyOptional({ type: String, maxLength: MAX_EMAIL_LENGTH, description: 'Only customers with exactly this email.' })
  @EmptyToNull()
  @IsOptional()
  @IsText()
  @MaxCharacters(MAX_EMAIL_LENGTH)
  email?: string | null;

  @ApiExpandProperty(LIST_EXPANDABLE)
  @Expandable(LIST_EXPANDABLE)
  expand?: string[];
}

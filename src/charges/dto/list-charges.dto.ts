import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ListParamsDto } from '../../common/list';
import { Expandable } from '../../common/validation';

/** The parameters of `GET /v1/charges`: paging, and a `customer` filter. */
export class ListChargesDto extends ListParamsDto {
  @IsOptional()
  @IsString()
  @MaxLength(64)
  customer?: string;

  @Expandable(['data.customer'])
  expand?: string[];
}

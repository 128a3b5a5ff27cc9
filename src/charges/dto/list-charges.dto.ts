import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { ApiExpandProperty } from '../../common/api-docs';
import { ListParamsDto } from '../../common/list';
import { MAX_ID_LENGTH } from '../../common/ids';
import { EmptyToNull, Expandable, IsText, MaxCharacters } from '../../common/validation';

/** The parameters of `GET /v1/charges`: paging, and a `customer` filter. */
export class ListChargesDto extends ListParamsDto {
  /** `customer=` (empty) is no filter, as an empty parameter is one not sent everywhere else. */
  @ApiPropertyOptional({ type: String, maxLength: MAX_ID_LENGTH, description: 'Only the charges of this customer (`cus_…`).' })
  @EmptyToNull()
  @IsOptional()
  @IsText()
  @MaxCharacters(MAX_ID_LENGTH)
  customer?: string | null;

  @ApiExpandProperty(['data.customer'])
  @Expandable(['data.customer'])
  expand?: string[];
}

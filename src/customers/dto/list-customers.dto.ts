import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ListParamsDto } from '../../common/list';

/** The parameters of `GET /v1/customers`: paging, and an exact `email` filter. */
export class ListCustomersDto extends ListParamsDto {
  @IsOptional()
  @IsString()
  @MaxLength(512)
  email?: string;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ListParamsDto } from '../../common/list';

/** The parameters of `GET /v1/customers`: paging, and an exact `email` filter. */
export class ListCustomersDto extends ListParamsDto {
  @ApiPropertyOptional({ maxLength: 512, description: 'Only customers with exactly this email.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  email?: string;
}

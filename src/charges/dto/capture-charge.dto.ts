import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Min } from 'class-validator';
import { ToInteger } from '../../common/validation';
import { RetrieveChargeDto } from './retrieve-charge.dto';

/** The parameters of `POST /v1/charges/:id/capture`; `amount` defaults to the whole charge. */
export class CaptureChargeDto extends RetrieveChargeDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'How much to capture, at most the authorised amount; defaults to all of it. Form-encoded as a string of digits.',
  })
  @IsOptional()
  @ToInteger()
  @IsInt({ message: 'Invalid integer: amount must be a whole number of the smallest currency unit.' })
  @Min(1, { message: 'Invalid amount: must be positive.' })
  amount?: number;
}

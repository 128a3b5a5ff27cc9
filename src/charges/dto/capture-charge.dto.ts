import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional } from 'class-validator';
import { ToInteger } from '../../common/validation';
import { LOWEST_MINIMUM, ReceiptEmail } from './create-charge.dto';
import { RetrieveChargeDto } from './retrieve-charge.dto';

/** The parameters of `POST /v1/charges/:id/capture`; `amount` defaults to the whole charge. */
export class CaptureChargeDto extends RetrieveChargeDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: LOWEST_MINIMUM,
    description:
      "How much to capture, from the currency's minimum to the authorised amount; defaults to all of it. " +
      'Form-encoded as a string of digits.',
  })
  @IsOptional()
  @ToInteger()
  @IsInt({ message: 'Invalid integer: amount must be a whole number of the smallest currency unit.' })
  // No lower bound here: the service refuses an amount under the charge's currency's minimum
  // (zero and negative ones included) as `amount_too_small`, as a create does.
  amount?: number;

  @ReceiptEmail()
  receipt_email?: string | null;
}

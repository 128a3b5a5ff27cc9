import { ApiExpandProperty } from '../../common/api-docs';
import { Expandable } from '../../common/validation';
import { CHARGE_EXPANDABLE } from '../charge.view';

/** The parameters of `GET /v1/charges/:id`, and the `expand` that every charge POST takes too. */
export class RetrieveChargeDto {
  @ApiExpandProperty(CHARGE_EXPANDABLE)
  @Expandable(CHARGE_EXPANDABLE)
  expand?: string[];
}

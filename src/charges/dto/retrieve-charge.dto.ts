import { Expandable } from '../../common/validation';
import { CHARGE_EXPANDABLE } from '../charge.view';

/** The parameters of `GET /v1/charges/:id`, and the `expand` that every charge POST takes too. */
export class RetrieveChargeDto {
  @Expandable(CHARGE_EXPANDABLE)
  expand?: string[];
}

import { ApiExpandProperty } from '../../common/api-docs';
import { Expandable } from '../../common/validation';
import { CUSTOMER_EXPANDABLE } from '../customer.view';

/** The parameters of `GET /v1/customers/:id`, and the `expand` that every customer POST takes too. */
export class RetrieveCustomerDto {
  @ApiExpandProperty(CUSTOMER_EXPANDABLE)
  @Expandable(CUSTOMER_EXPANDABLE)
  expand?: string[];
}

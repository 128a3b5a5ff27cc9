import { CreateCustomerDto } from './create-customer.dto';

/**
 * The parameters of `POST /v1/customers/:id`: the same fields as create. A field sent as an empty
 * string is cleared, and metadata merges as `mergeMetadata` describes.
 */
export class UpdateCustomerDto extends CreateCustomerDto {}

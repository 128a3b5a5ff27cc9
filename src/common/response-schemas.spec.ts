import { listSchemaOf, schemaOf } from './response-schemas';

describe('schemaOf', () => {
  it('makes a field nullable when a sample has it null, and requires the fields every sample has', () => {
    expect(schemaOf([{ id: 'a', email: 'x@example.com', extra: 1 }, { id: 'b', email: null }])).toEqual({
      type: 'object',
      properties: { id: { type: 'string' }, email: { type: 'string', nullable: true }, extra: { type: 'integer' } },
      required: ['id', 'email'],
    });
  });

  it('gives a field that is null in every sample no type, and metadata strings under any keys', () => {
    const schema = schemaOf([{ review: null, metadata: { order: '42' } }]);
    expect(schema.properties).toEqual({
      review: { description: 'Always null in oncepay.' },
      metadata: { type: 'object', additionalProperties: { type: 'string' } },
    });
  });

  it('refers to a nested object that refOf names, and lets null through its other alternative', () => {
    const refOf = (value: Record<string, unknown>) => (value.object === 'customer' ? '#/components/schemas/Customer' : undefined);
    const schema = schemaOf([{ customer: { object: 'customer', id: 'cus_1' } }, { customer: 'cus_2' }, { customer: null }], refOf);
    expect(schema.properties!.customer).toEqual({ anyOf: [{ type: 'string', nullable: true }, { $ref: '#/components/schemas/Customer' }] });
  });

  it('describes the samples themselves in place, even when refOf names them', () => {
    const schema = schemaOf([{ object: 'customer' }], () => '#/components/schemas/Customer');
    expect(schema).toEqual({ type: 'object', properties: { object: { type: 'string', enum: ['customer'] } }, required: ['object'] });
  });

  it("lists the kinds an object's `object` names, and leaves the items of a list empty in every sample untyped", () => {
    const schema = schemaOf([{ object: 'customer', locales: [] }, { object: 'customer', locales: [] }]);
    expect(schema.properties).toEqual({ object: { type: 'string', enum: ['customer'] }, locales: { type: 'array', items: {} } });
  });

  it('describes the items of a list from every sample', () => {
    expect(schemaOf([{ tags: ['a'] }, { tags: [] }]).properties!.tags).toEqual({ type: 'array', items: { type: 'string' } });
    expect(listSchemaOf('#/components/schemas/Charge', '/v1/charges').properties!.data).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/Charge' },
    });
  });
});

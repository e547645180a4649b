import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsIn, Matches, Max, MaxLength } from 'class-validator';
import type { OpenAPIObject, SchemaObject } from '@nestjs/swagger';
import { describeValidation } from './openapi-validation';

class Sample {
  @ApiProperty() @MaxLength(20) @Matches(/^[a-z]+$/) code: string;
  @ApiProperty() @Matches(/^[a-z]+$/i) caseless: string;
  @ApiProperty() @Matches(/^\p{L}+$/u) letters: string;
  @ApiProperty() @ArrayMaxSize(3) @MaxLength(5, { each: true }) @IsIn(['a', 'b'], { each: true }) tags: string[];
  @ApiProperty() @Max(10) count: number;
}

const documentOf = (properties: Record<string, SchemaObject>): OpenAPIObject =>
  ({ openapi: '3.0.0', info: { title: 't', version: '1' }, paths: {}, components: { schemas: { Sample: { type: 'object', properties } } } });

describe('describeValidation', () => {
  it('writes each rule where it applies: a rule for each element to the items; a kept keyword is not replaced', () => {
    const doc = documentOf({
      code: { type: 'string' },
      caseless: { type: 'string' },
      letters: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
      count: { type: 'integer', maximum: 5 },
    });
    describeValidation(doc, new Map([['Sample', Sample]]));
    const schema = doc.components!.schemas!.Sample as SchemaObject;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties).toEqual({
      code: { type: 'string', maxLength: 20, pattern: '^[a-z]+$' },
      // Case-insensitive matching, and Unicode classes, have no OpenAPI 3.0 pattern: left out rather than wrong.
      caseless: { type: 'string' },
      letters: { type: 'string' },
      tags: { type: 'array', maxItems: 3, items: { type: 'string', maxLength: 5, enum: ['a', 'b'] } },
      count: { type: 'integer', maximum: 5 },
    });
  });

  it('leaves alone a schema of no request model, and a rule for each element of a list of objects', () => {
    const doc = documentOf({ tags: { type: 'array', items: { $ref: '#/components/schemas/Tag' } } });
    describeValidation(doc, new Map([['Sample', Sample]]));
    expect((doc.components!.schemas!.Sample as SchemaObject).properties!.tags).toEqual({ type: 'array', maxItems: 3, items: { $ref: '#/components/schemas/Tag' } });
    const other = documentOf({ code: { type: 'string' } });
    describeValidation(other, new Map());
    expect(other.components!.schemas!.Sample).toEqual({ type: 'object', properties: { code: { type: 'string' } } });
  });
});

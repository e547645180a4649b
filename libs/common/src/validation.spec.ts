import type { ValidationError } from '@nestjs/common';
import { flattenValidationErrors } from './validation';

const error = (property: string, constraints?: Record<string, string>, children: ValidationError[] = []): ValidationError =>
  ({ property, constraints, children });

describe('flattenValidationErrors', () => {
  it('names each field by its dotted path, in the key and at the start of a message that named it bare', () => {
    const fields = flattenValidationErrors([
      error('client', undefined, [
        error('dateOfBirth', { isCalendarDate: 'dateOfBirth must be a real date as YYYY-MM-DD' }),
        error('role', { whitelistValidation: 'property role should not exist' }),
        error('lastName', { custom: 'a last name or a first name is needed' }),
      ]),
      error('narrative', { maxLength: 'narrative must be shorter than or equal to 20000 characters' }),
    ]);
    expect(fields).toEqual({
      'client.dateOfBirth': ['client.dateOfBirth must be a real date as YYYY-MM-DD'],
      'client.role': ['is not a known field'],
      'client.lastName': ['a last name or a first name is needed'],
      narrative: ['narrative must be shorter than or equal to 20000 characters'],
    });
  });
});

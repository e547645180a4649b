import type { ValidationError } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsString, Max, ValidateNested } from 'class-validator';
import { DomainError } from './domain-error';
import { createValidationPipe, flattenValidationErrors } from './validation';

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

class Windows {
  @IsInt() @Max(43200) high!: number;
  @IsInt() @Max(43200) low!: number;
}

class Profile {
  @IsArray() @IsString({ each: true }) facilityCodes!: string[];
  @IsBoolean() acceptingReferrals!: boolean;
  @IsIn(['won', 'lost']) outcome!: string;
  @ValidateNested() @Type(() => Windows) windows!: Windows;
}

describe('the validation pipe, for a field left out', () => {
  const fieldsOf = async (body: unknown) => {
    try {
      await createValidationPipe().transform(body, { type: 'body', metatype: Profile });
    } catch (error) {
      return (error as DomainError).fields;
    }
    throw new Error('accepted');
  };

  it('says a required field left out is required, and what to send, before the rules of its value', async () => {
    expect(await fieldsOf({ outcome: 'won', windows: { low: 60 } })).toEqual({
      facilityCodes: ['facilityCodes is required: a list ([] for none)'],
      acceptingReferrals: ['acceptingReferrals is required: true or false'],
      'windows.high': ['windows.high is required: a whole number up to 43200'],
    });
  });

  it('does not say a field sent with a wrong value (null among them) is missing', async () => {
    expect(await fieldsOf({ facilityCodes: null, acceptingReferrals: 'yes', outcome: 'tie', windows: { high: 'x', low: 1 } })).toEqual({
      facilityCodes: ['each value in facilityCodes must be a string', 'facilityCodes must be an array'],
      acceptingReferrals: ['acceptingReferrals must be true or false (without quotes)'],
      outcome: ['outcome must be one of the following values: won, lost'],
      'windows.high': ['windows.high must not be greater than 43200', 'windows.high must be a whole number (digits, without quotes)'],
    });
  });
});

import type { ValidationError } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsString, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
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
      facilityCodes: ['facilityCodes must be an array'],
      acceptingReferrals: ['acceptingReferrals must be true or false (without quotes)'],
      outcome: ['outcome must be one of the following values: won, lost'],
      'windows.high': ['windows.high must be a whole number (digits, without quotes)'],
    });
  });

  it('tells a value of the wrong type its type alone, not rules of a length or range it does not have', async () => {
    class Reveal {
      @IsString() @MinLength(10) @MaxLength(500) reason!: string;
      @IsArray() @IsString({ each: true }) @MaxLength(10, { each: true }) codes!: string[];
      @IsInt() @Min(0) @Max(500) count!: number;
    }
    const fieldsOf = async (body: unknown) =>
      createValidationPipe().transform(body, { type: 'body', metatype: Reveal }).then(() => 'accepted', (error: DomainError) => error.fields);
    expect(await fieldsOf({ reason: 12345678901, codes: 'ABCDEFGHIJKLMNOP', count: '600' })).toEqual({
      reason: ['reason must be a string'],
      codes: ['codes must be an array'],
      count: ['count must be a whole number (digits, without quotes)'],
    });
    // A number with a fraction where a whole one is due: that, and its range too (one answer mends both).
    expect(await fieldsOf({ reason: 'a reason long enough', codes: [], count: 600.5 })).toEqual({
      count: ['count must not be greater than 500', 'count must be a whole number (digits, without quotes)'],
    });
    // The right type: its rules, every one that fails.
    expect(await fieldsOf({ reason: 'short', codes: ['ABCDEFGHIJKLMNOP', 5], count: 600 })).toEqual({
      reason: ['reason must be longer than or equal to 10 characters'],
      codes: ['each value in codes must be shorter than or equal to 10 characters', 'each value in codes must be a string'],
      count: ['count must not be greater than 500'],
    });
  });
});

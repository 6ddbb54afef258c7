import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { ZodValidationPipe } from './zod-validation.pipe';

function fieldsOf(pipe: ZodValidationPipe<z.ZodType>, value: unknown): { path: string; message: string }[] {
  try {
    pipe.transform(value);
  } catch (error) {
    if (error instanceof BadRequestException) return (error.getResponse() as { fields: { path: string; message: string }[] }).fields;
    throw error;
  }
  throw new Error('the pipe accepted the value');
}

describe('ZodValidationPipe', () => {
  const pipe = new ZodValidationPipe(z.object({ name: z.string(), seats: z.number().int(), extra: z.object({ a: z.string() }).optional() }).strict());

  it('says a missing field is required and a field of the wrong type has the wrong type', () => {
    expect(fieldsOf(pipe, { seats: 'five' })).toEqual([
      { path: 'name', message: 'is required' },
      { path: 'seats', message: 'must be number, not string' },
    ]);
    expect(fieldsOf(pipe, { name: null, seats: 1, extra: [] })).toEqual([
      { path: 'name', message: 'must be string, not null' },
      { path: 'extra', message: 'must be object, not an array' },
    ]);
  });

  it('names unknown fields and refuses a body that is not an object', () => {
    expect(fieldsOf(pipe, { name: 'a', seats: 1, admin: true })).toEqual([{ path: 'admin', message: 'is not a known field' }]);
    expect(fieldsOf(pipe, [1])).toEqual([{ path: '(body)', message: 'must be a JSON object' }]);
  });

  it('returns the parsed value when it is valid', () => {
    expect(pipe.transform({ name: 'a', seats: 2 })).toEqual({ name: 'a', seats: 2 });
  });
});

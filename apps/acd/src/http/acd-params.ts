import { BadRequestException, type PipeTransform } from '@nestjs/common';

/** The id of a skill or queue as tenants name them (the IVR routes by it). */
export const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const SLUG_MESSAGE = 'must be 1-64 lower-case letters, digits, "-" or "_", starting with a letter or digit';

/** A path id that must be a slug; anything else is a 400 naming the parameter. */
export class SlugParamPipe implements PipeTransform<string, string> {
  constructor(private readonly name: string) {}

  transform(value: string): string {
    if (!SLUG.test(value)) throw new BadRequestException({ message: `${this.name} ${SLUG_MESSAGE}`, fields: [{ path: this.name, message: SLUG_MESSAGE }] });
    return value;
  }
}

/** A path parameter that must be a whole number from 1 (a queue version). */
export class PositiveIntParamPipe implements PipeTransform<string, number> {
  constructor(private readonly name: string) {}

  transform(value: string): number {
    if (!/^[1-9][0-9]{0,8}$/.test(value)) throw new BadRequestException({ message: `${this.name} must be a whole number from 1`, fields: [{ path: this.name, message: 'must be a whole number from 1' }] });
    return Number(value);
  }
}

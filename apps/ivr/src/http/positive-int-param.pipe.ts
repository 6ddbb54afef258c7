import { BadRequestException, type PipeTransform } from '@nestjs/common';

/** A path parameter that must be a whole number from 1 (a flow version); anything else is a 400 naming it. */
export class PositiveIntParamPipe implements PipeTransform<string, number> {
  constructor(private readonly name: string) {}

  transform(value: string): number {
    if (!/^[1-9][0-9]{0,8}$/.test(value)) {
      throw new BadRequestException({ message: `${this.name} must be a whole number from 1`, fields: [{ path: this.name, message: 'must be a whole number from 1' }] });
    }
    return Number(value);
  }
}

import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { isUuid } from '@parley/persistence';

/** Path ids are UUIDs; anything else is a 400 naming the parameter. */
export class UuidParamPipe implements PipeTransform<string, string> {
  constructor(private readonly name = 'id') {}

  transform(value: string): string {
    if (!isUuid(value)) throw new BadRequestException({ message: `${this.name} must be a UUID`, fields: [{ path: this.name, message: 'must be a UUID' }] });
    return value.toLowerCase();
  }
}

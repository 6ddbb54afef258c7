import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { IvrBodyPipe } from './ivr-body.pipe';

function fieldsOf(pipe: IvrBodyPipe<z.ZodType>, value: unknown): { path: string; message: string }[] {
  try {
    pipe.transform(value);
  } catch (error) {
    if (error instanceof BadRequestException) return (error.getResponse() as { fields: { path: string; message: string }[] }).fields;
    throw error;
  }
  throw new Error('the pipe accepted the value');
}

describe('IvrBodyPipe', () => {
  const schema = z.strictObject({ document: z.object({ nodes: z.array(z.object({ id: z.string(), next: z.string().min(1) })) }), revision: z.number().optional() });

  it('names the node of a field inside a flow node', () => {
    const body = { document: { nodes: [{ id: 'welcome', next: 'a' }, { id: 'menu', next: '' }] } };
    expect(fieldsOf(new IvrBodyPipe(schema), body)).toEqual([{ path: 'document.nodes.1.next', message: 'node "menu": Too small: expected string to have >=1 characters' }]);
  });

  it('keeps the plain message when the node has no usable id', () => {
    const body = { document: { nodes: [{ next: '' }] } };
    expect(fieldsOf(new IvrBodyPipe(schema), body).map((f) => f.path).sort()).toEqual(['document.nodes.0.id', 'document.nodes.0.next']);
    expect(fieldsOf(new IvrBodyPipe(schema), body).every((f) => !f.message.startsWith('node '))).toBe(true);
  });

  it('takes an absent body as {} only when told so', () => {
    const optional = z.strictObject({ revision: z.number().optional() });
    expect(new IvrBodyPipe(optional, { optional: true }).transform(undefined)).toEqual({});
    expect(fieldsOf(new IvrBodyPipe(optional), undefined)).toEqual([{ path: '(body)', message: 'must be a JSON object' }]);
  });
});

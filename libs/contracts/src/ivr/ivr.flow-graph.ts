import { type FlowDocumentInput } from './ivr.flow';

/** A branch from one node to another: the field that holds it (dotted, as validation issues name it) and the node it names. */
export interface FlowBranch {
  readonly field: string;
  readonly target: string;
}

/** A flow node as stored or as edited (before defaults are filled in). */
export type FlowNodeInput = FlowDocumentInput['nodes'][number];

/**
 * Every branch of a node. One list for the validator, the executor's graph checks and the web
 * editor (which renames branches with it), so a new branch field is added in one place.
 */
export function flowBranchesOf(node: FlowNodeInput): FlowBranch[] {
  const edges: FlowBranch[] = [];
  const add = (field: string, target: string | undefined): void => {
    if (target !== undefined) edges.push({ field, target });
  };
  switch (node.type) {
    case 'play':
    case 'set-variable':
    case 'survey':
      add('next', node.next);
      break;
    case 'menu':
      for (const [digit, target] of Object.entries(node.options)) add(`options.${digit}`, target);
      add('onInvalid', node.onInvalid);
      add('onNoInput', node.onNoInput);
      break;
    case 'collect':
      add('next', node.next);
      add('onInvalid', node.onInvalid);
      add('onNoInput', node.onNoInput);
      break;
    case 'condition':
      add('whenTrue', node.whenTrue);
      add('whenFalse', node.whenFalse);
      break;
    case 'data-dip':
      add('next', node.next);
      add('onFailure', node.onFailure);
      break;
    case 'enqueue':
      add('afterAgent', node.afterAgent);
      add('onOverflow.voicemail', node.onOverflow?.voicemail);
      add('onOverflow.callback', node.onOverflow?.callback);
      break;
    case 'transfer':
      add('onFailure', node.onFailure);
      add('afterHangup', node.afterHangup);
      break;
    case 'callback-offer':
      add('onDecline', node.onDecline);
      break;
    case 'voicemail':
    case 'hangup':
      break;
  }
  return edges;
}

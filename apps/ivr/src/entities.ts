import { CallStateEntity } from './calls/call-state.entity';
import { CallTimerEntity } from './calls/call-timer.entity';
import { FlowVersionEntity } from './flows/flow-version.entity';
import { FlowEntity } from './flows/flow.entity';
import { IvrPhoneNumberEntity } from './numbers/ivr-phone-number.entity';
import { NumberBindingEntity } from './numbers/number-binding.entity';

export const ivrEntities = [FlowEntity, FlowVersionEntity, IvrPhoneNumberEntity, NumberBindingEntity, CallStateEntity, CallTimerEntity];

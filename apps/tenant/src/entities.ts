import { ApiKeyEntity } from './api-keys/api-key.entity';
import { RefreshTokenEntity } from './identity/refresh-token.entity';
import { PhoneNumberEntity } from './phone-numbers/phone-number.entity';
import { SeatEntity } from './seats/seat.entity';
import { TenantEntity } from './tenants/tenant.entity';
import { UserEntity } from './users/user.entity';
import { VoiceSettingsEntity } from './voice-settings/voice-settings.entity';

export const tenantEntities = [TenantEntity, UserEntity, RefreshTokenEntity, SeatEntity, PhoneNumberEntity, ApiKeyEntity, VoiceSettingsEntity];

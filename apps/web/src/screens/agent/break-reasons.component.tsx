import { type Locale } from '@parley/contracts';
import { useCallback, type ReactNode } from 'react';
import { type BreakReason } from '../../api/acd-api.types';
import { useServices } from '../../api/app-services.provider';
import { useI18n } from '../../i18n/i18n.provider';
import { Data } from '../form/fields.component';
import { useLoad, type LoadResult } from '../form/use-load';

/** The routing engine's own reason (too many missed offers): worded by the app, never in a tenant's list. */
const ENGINE_REASON = 'missed-offers';

/** The tenant's break reasons (GET /acd/settings/break-reasons), loaded once for the screen. */
export function useBreakReasons(): LoadResult<BreakReason[]> {
  const { acd } = useServices();
  const load = useCallback(async () => (await acd.breakReasons()).breakReasons, [acd]);
  return useLoad(load).result;
}

/** A reason's label in the UI language; null for a code the list does not have. */
export function breakReasonLabel(reasons: readonly BreakReason[], code: string, locale: Locale): string | null {
  return reasons.find((r) => r.code === code)?.labels[locale] ?? null;
}

/** A break reason in words: the tenant's label in the UI language, the engine's reason translated, any other code as it is. */
export function ReasonText({ reason, reasons }: { reason: string; reasons: readonly BreakReason[] }): ReactNode {
  const { t, locale } = useI18n();
  if (reason === ENGINE_REASON) return t('breakReason.missed-offers');
  return <Data>{breakReasonLabel(reasons, reason, locale) ?? reason}</Data>;
}

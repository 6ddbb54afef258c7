import { useCallback, useState } from 'react';
import { useI18n } from '../../i18n/i18n.provider';
import { ServerErrors } from './server-errors';

/** Runs a user's action (a save, a delete): busy while it runs, its errors spread for the form afterwards. */
export function useAction(): { busy: boolean; errors: ServerErrors; run(task: () => Promise<unknown>): Promise<boolean> } {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<ServerErrors>(ServerErrors.none);
  const run = useCallback(
    async (task: () => Promise<unknown>): Promise<boolean> => {
      setBusy(true);
      setErrors(ServerErrors.none);
      try {
        await task();
        return true;
      } catch (error) {
        setErrors(ServerErrors.from(error, t));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [t],
  );
  return { busy, errors, run };
}

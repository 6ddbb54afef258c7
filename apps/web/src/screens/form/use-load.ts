import { useCallback, useEffect, useState } from 'react';

export type LoadResult<T> = { status: 'loading' } | { status: 'error'; error: unknown } | { status: 'ready'; data: T };

/**
 * Loads data for a screen when `load` changes and on `reload()`. While reloading, the last data stays
 * on screen. `load` must be stable (useCallback) or it loads on every render.
 */
export function useLoad<T>(load: () => Promise<T>): { result: LoadResult<T>; reload(): void } {
  const [result, setResult] = useState<LoadResult<T>>({ status: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (data) => current && setResult({ status: 'ready', data }),
      (error: unknown) => current && setResult({ status: 'error', error }),
    );
    return () => {
      current = false;
    };
  }, [load, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { result, reload };
}

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type MouseEvent, type ReactNode } from 'react';

interface RouterContextValue {
  path: string;
  navigate(path: string, options?: { replace?: boolean }): void;
}

const RouterContext = createContext<RouterContextValue | null>(null);

/** The current path from the browser's history; navigation pushes (or replaces) history entries. */
export function RouterProvider({ children }: { children: ReactNode }): ReactNode {
  const [path, setPath] = useState(() => window.location.pathname);

  useEffect(() => {
    const onPop = (): void => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((next: string, options?: { replace?: boolean }) => {
    if (options?.replace) window.history.replaceState(null, '', next);
    else window.history.pushState(null, '', next);
    setPath(next);
  }, []);

  const value = useMemo(() => ({ path, navigate }), [path, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

export function useRouter(): RouterContextValue {
  const value = useContext(RouterContext);
  if (!value) throw new Error('useRouter() needs a <RouterProvider> above it');
  return value;
}

/** Navigates to `to` where it is rendered (a redirect). */
export function Redirect({ to }: { to: string }): ReactNode {
  const { navigate } = useRouter();
  useEffect(() => navigate(to, { replace: true }), [navigate, to]);
  return null;
}

/** An in-app link: a real <a href> (open in new tab works) that navigates without reloading. */
export function Link({ to, children }: { to: string; children: ReactNode }): ReactNode {
  const { navigate } = useRouter();
  const onClick = (event: MouseEvent<HTMLAnchorElement>): void => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick}>
      {children}
    </a>
  );
}

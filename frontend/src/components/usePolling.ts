import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { errorMessage } from "../api/client";

export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Load `load()` now and again every `intervalMs` while the page is visible (0: load once).
 * Reloads whenever `key` changes (keeping the last data until the new answer arrives).
 */
export function usePolling<T>(
  load: (signal: AbortSignal) => Promise<T>,
  key: string,
  intervalMs: number,
): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  // The latest `load` is used by the next poll without restarting the timer.
  useLayoutEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    let controller: AbortController | null = null;
    let timer: number | undefined;
    let stopped = false;
    const run = () => {
      controller = new AbortController();
      const current = controller;
      loadRef
        .current(current.signal)
        .then((value) => {
          if (stopped) return;
          setData(value);
          setError(null);
        })
        .catch((caught: unknown) => {
          if (!stopped && !current.signal.aborted) setError(caught);
        })
        .finally(() => {
          if (stopped) return;
          setLoading(false);
          if (intervalMs > 0) timer = window.setTimeout(poll, intervalMs);
        });
    };
    // Skip a poll while the tab is hidden; the next visible tick catches up.
    const poll = () => {
      if (document.visibilityState === "hidden") timer = window.setTimeout(poll, intervalMs);
      else run();
    };
    run();
    return () => {
      stopped = true;
      controller?.abort();
      window.clearTimeout(timer);
    };
  }, [key, intervalMs, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** Shorthand for showing a polling error. */
export function pollErrorText(error: unknown): string | null {
  return error ? errorMessage(error) : null;
}

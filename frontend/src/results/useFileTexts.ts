import { useEffect, useMemo, useState } from "react";
import { errorMessage, fetchFile } from "../api/client";
import type { ResultFile } from "../api/types";

export interface FileTexts {
  texts: Record<string, string>;
  errors: Record<string, string>;
  loading: boolean;
}

interface Loaded {
  files: readonly ResultFile[];
  texts: Record<string, string>;
  errors: Record<string, string>;
}

/**
 * Fetch the text of the result files whose names `wanted` accepts (CSV tables, structures).
 * `wanted` should be a stable function (defined once at module level).
 */
export function useFileTexts(files: readonly ResultFile[], wanted: (name: string) => boolean): FileTexts {
  const chosen = useMemo(() => files.filter((file) => wanted(file.name)), [files, wanted]);
  const [loaded, setLoaded] = useState<Loaded | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    void Promise.all(
      chosen.map(async (file) => {
        try {
          const response = await fetchFile(file.url, controller.signal);
          return { name: file.name, text: await response.text() };
        } catch (error) {
          return { name: file.name, error: errorMessage(error) };
        }
      }),
    ).then((outcomes) => {
      if (controller.signal.aborted) return;
      const texts: Record<string, string> = {};
      const errors: Record<string, string> = {};
      for (const outcome of outcomes) {
        if ("text" in outcome && outcome.text !== undefined) texts[outcome.name] = outcome.text;
        else if ("error" in outcome && outcome.error !== undefined) errors[outcome.name] = outcome.error;
      }
      setLoaded({ files: chosen, texts, errors });
    });
    return () => controller.abort();
  }, [chosen]);

  const current = loaded?.files === chosen ? loaded : null;
  return {
    texts: current?.texts ?? EMPTY,
    errors: current?.errors ?? EMPTY,
    loading: current === null && chosen.length > 0,
  };
}

const EMPTY: Record<string, string> = {};

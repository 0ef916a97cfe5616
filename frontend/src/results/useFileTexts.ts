import { useEffect, useState } from "react";
import { errorMessage, fetchFile } from "../api/client";
import type { ResultFile } from "../api/types";

export interface FileTexts {
  texts: Record<string, string>;
  errors: Record<string, string>;
  loading: boolean;
}

/** Fetch the text of the result files whose names `wanted` accepts (CSV tables, structures). */
export function useFileTexts(files: readonly ResultFile[], wanted: (name: string) => boolean): FileTexts {
  const [state, setState] = useState<FileTexts>({ texts: {}, errors: {}, loading: true });
  const chosen = files.filter((file) => wanted(file.name));
  const key = chosen.map((file) => file.name).join("|");

  useEffect(() => {
    const controller = new AbortController();
    setState({ texts: {}, errors: {}, loading: chosen.length > 0 });
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
      setState({ texts, errors, loading: false });
    });
    return () => controller.abort();
    // The file list is identified by its names; URLs change on every results fetch.
  }, [key]);

  return state;
}

import { useEffect, useState } from "react";
import { ApiError, api, errorMessage } from "../api/client";
import type { ValidateResponse } from "../api/types";
import { mapValidationErrors, type FieldErrors } from "./errors";

export interface LiveValidation {
  errors: FieldErrors;
  preview: ValidateResponse["preview"] | null;
  /** True while the server has not yet judged the current form. */
  checking: boolean;
}

interface Verdict {
  body: string;
  errors: FieldErrors;
  preview: ValidateResponse["preview"] | null;
}

const DEBOUNCE_MS = 400;

/**
 * Send the job body to `POST /jobs/validate` after the user pauses typing and keep the server's
 * verdict: field errors (keyed by field path) and the preview of the system.
 */
export function useLiveValidation(body: unknown, knownFields: readonly string[]): LiveValidation {
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const bodyText = JSON.stringify(body);
  const fieldsText = knownFields.join("|");

  useEffect(() => {
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      api<ValidateResponse>("/jobs/validate", {
        method: "POST",
        json: JSON.parse(bodyText) as unknown,
        signal: controller.signal,
      })
        .then((response) => setVerdict({ body: bodyText, errors: {}, preview: response?.preview ?? null }))
        .catch((error: unknown) => {
          if (controller.signal.aborted) return;
          const errors =
            error instanceof ApiError && error.status === 422
              ? mapValidationErrors(error.detail, fieldsText.split("|"))
              : { "": [errorMessage(error)] };
          setVerdict({ body: bodyText, errors, preview: null });
        });
    }, DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [bodyText, fieldsText]);

  // Until the new verdict arrives, the last one stays on screen (no flicker while typing).
  return {
    errors: verdict?.errors ?? {},
    preview: verdict?.preview ?? null,
    checking: verdict?.body !== bodyText,
  };
}

import { useEffect, useState } from "react";
import { ApiError, api, errorMessage } from "../api/client";
import type { ValidateResponse } from "../api/types";
import { mapValidationErrors, type FieldErrors } from "./errors";

export interface LiveValidation {
  errors: FieldErrors;
  preview: ValidateResponse["preview"] | null;
  checking: boolean;
}

const DEBOUNCE_MS = 400;

/**
 * Send the job body to `POST /jobs/validate` after the user pauses typing and keep the server's
 * verdict: field errors (keyed by field path) and the preview of the system.
 */
export function useLiveValidation(body: unknown, knownFields: readonly string[]): LiveValidation {
  const [state, setState] = useState<LiveValidation>({ errors: {}, preview: null, checking: false });
  const bodyText = JSON.stringify(body);
  const fieldsText = knownFields.join("|");

  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, checking: true }));
    const timer = window.setTimeout(() => {
      api<ValidateResponse>("/jobs/validate", {
        method: "POST",
        json: JSON.parse(bodyText) as unknown,
        signal: controller.signal,
      })
        .then((response) =>
          setState({ errors: {}, preview: response?.preview ?? null, checking: false }),
        )
        .catch((error: unknown) => {
          if (controller.signal.aborted) return;
          if (error instanceof ApiError && error.status === 422) {
            setState({
              errors: mapValidationErrors(error.detail, fieldsText.split("|")),
              preview: null,
              checking: false,
            });
          } else {
            setState({ errors: { "": [errorMessage(error)] }, preview: null, checking: false });
          }
        });
    }, DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [bodyText, fieldsText]);

  return state;
}

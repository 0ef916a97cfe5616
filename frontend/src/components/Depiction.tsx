import { useEffect, useState } from "react";
import { ApiError, API_PREFIX, errorMessage, fetchFile, query } from "../api/client";
import { useI18n } from "../i18n/I18nContext";

const DEBOUNCE_MS = 400;

/**
 * A 2D drawing of a SMILES from `GET /depict`. It is fetched with the bearer token and shown
 * through an <img> (an SVG in an image cannot run scripts).
 */
export function Depiction({ smiles, size = 180 }: { smiles: string; size?: number }) {
  const { t } = useI18n();
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const trimmed = smiles.trim();

  useEffect(() => {
    setError(null);
    if (!trimmed) {
      setUrl(null);
      return;
    }
    const controller = new AbortController();
    let objectUrl: string | null = null;
    const timer = window.setTimeout(() => {
      fetchFile(`${API_PREFIX}/depict${query({ smiles: trimmed })}`, controller.signal)
        .then((response) => response.blob())
        .then((blob) => {
          objectUrl = URL.createObjectURL(new Blob([blob], { type: "image/svg+xml" }));
          setUrl(objectUrl);
        })
        .catch((caught: unknown) => {
          if (controller.signal.aborted) return;
          setUrl(null);
          setError(caught instanceof ApiError && caught.status === 400 ? errorMessage(caught) : t("depict.failed"));
        });
    }, DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [trimmed, t]);

  if (!trimmed) return null;
  return (
    <figure className="depiction" style={{ width: size }} data-testid="depiction">
      {url ? (
        <img src={url} alt={t("depict.alt", { smiles: trimmed })} width={size} height={size} />
      ) : (
        <div className="depiction-empty" style={{ height: size }}>
          {error ?? t("common.loading")}
        </div>
      )}
    </figure>
  );
}

import { useEffect, useState } from "react";
import { ApiError, API_PREFIX, errorMessage, fetchFile, query } from "../api/client";
import { useI18n } from "../i18n/I18nContext";

const DEBOUNCE_MS = 400;

interface Drawing {
  smiles: string;
  url: string | null;
  error: string | null;
}

/**
 * A 2D drawing of a SMILES from `GET /depict`. It is fetched with the bearer token and shown
 * through an <img> (an SVG in an image cannot run scripts).
 */
export function Depiction({ smiles, size = 180 }: { smiles: string; size?: number }) {
  const { t } = useI18n();
  const [drawing, setDrawing] = useState<Drawing | null>(null);
  const trimmed = smiles.trim();

  useEffect(() => {
    if (!trimmed) return;
    const controller = new AbortController();
    let objectUrl: string | null = null;
    const timer = window.setTimeout(() => {
      fetchFile(`${API_PREFIX}/depict${query({ smiles: trimmed })}`, controller.signal)
        .then((response) => response.blob())
        .then((blob) => {
          objectUrl = URL.createObjectURL(new Blob([blob], { type: "image/svg+xml" }));
          setDrawing({ smiles: trimmed, url: objectUrl, error: null });
        })
        .catch((caught: unknown) => {
          if (controller.signal.aborted) return;
          const error = caught instanceof ApiError && caught.status === 400 ? errorMessage(caught) : null;
          setDrawing({ smiles: trimmed, url: null, error });
        });
    }, DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [trimmed]);

  if (!trimmed) return null;
  const current = drawing?.smiles === trimmed ? drawing : null;
  return (
    <figure className="depiction" style={{ width: size }} data-testid="depiction">
      {current?.url ? (
        <img src={current.url} alt={t("depict.alt", { smiles: trimmed })} width={size} height={size} />
      ) : (
        <div className="depiction-empty" style={{ height: size }}>
          {current ? (current.error ?? t("depict.failed")) : t("common.loading")}
        </div>
      )}
    </figure>
  );
}

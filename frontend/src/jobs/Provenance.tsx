import { useI18n } from "../i18n/I18nContext";
import type { StringKey } from "../i18n/strings";
import { arr, num, obj, str } from "../results/summary";
import { formatNumber, formatTime } from "./format";

/** The provenance fields in the order the job page lists them, with their labels. */
const FIELDS: [string, StringKey][] = [
  ["molyte_version", "provenance.molyte"],
  ["engine", "provenance.engine"],
  ["engine_version", "provenance.engineVersion"],
  ["forcefield", "provenance.forcefield"],
  ["worker", "provenance.worker"],
  ["host", "provenance.host"],
  ["scheduler_job_id", "provenance.schedulerId"],
  ["started_at", "provenance.started"],
  ["finished_at", "provenance.finished"],
  ["cpus", "provenance.cpus"],
  ["core_hours", "provenance.coreHours"],
];

/**
 * A force field as text: a name, `{name, version}`, or an MD run's `{sources, sha256}` shown as
 * "OPLS-AA, GAFF2 · sha256 1a2b3c4d5e6f…" (the start of the parameter files' hash).
 */
export function forcefieldText(raw: unknown): string | undefined {
  const record = obj(raw);
  if (!record) return str(raw) || undefined;
  const sources = arr(record.sources).filter((s): s is string => typeof s === "string");
  const name =
    sources.length > 0
      ? sources.join(", ")
      : [str(record.name), str(record.version)].filter(Boolean).join(" ");
  const hash = str(record.sha256);
  return [name, hash ? `sha256 ${hash.slice(0, 12)}…` : ""].filter(Boolean).join(" · ") || undefined;
}

/** How a completed job was made: Molyte and engine versions, force field, where and how long. */
export function Provenance({ value }: { value: unknown }) {
  const { t, language } = useI18n();
  const provenance = obj(value);
  if (!provenance) return null;
  const locale = language === "zh" ? "zh-CN" : "en";
  const text = (key: string): string | undefined => {
    const raw = provenance[key];
    if (key.endsWith("_at")) return str(raw) ? formatTime(str(raw), locale) : undefined;
    if (key === "core_hours") return num(raw) !== undefined ? formatNumber(num(raw), 3) : undefined;
    if (typeof raw === "number") return String(raw);
    if (key === "forcefield") return forcefieldText(raw);
    return str(raw) || undefined;
  };
  const shown = FIELDS.filter(([key]) => text(key) !== undefined);
  if (shown.length === 0) return null;
  return (
    <section className="card" data-testid="provenance" aria-labelledby="provenance-title">
      <h3 id="provenance-title">{t("provenance.title")}</h3>
      <dl className="facts">
        {shown.map(([key, label]) => (
          <div key={key} className="fact" data-testid={`provenance-${key}`}>
            <dt>{t(label)}</dt>
            <dd title={key === "forcefield" ? str(obj(provenance.forcefield)?.sha256) : undefined}>
              {text(key)}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

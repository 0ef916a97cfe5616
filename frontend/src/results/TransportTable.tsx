import { Fragment } from "react";
import { useI18n } from "../i18n/I18nContext";
import { formatNumber } from "../jobs/format";
import { arr, num, numbers, obj, str, type Summary } from "./summary";
import { blockCounts, displayUnit, estimate, estimateText, type Estimate } from "./transport";

interface Row {
  key: string;
  label: string;
  estimate: Estimate;
  note?: string;
}

const isSummary = (value: Summary | undefined): value is Summary => value !== undefined;

/**
 * The `transport` block of an MD summary: conductivity (Einstein-Helfand, Nernst-Einstein), Haven
 * ratio, viscosity, residence times and self-diffusion, each as value ± standard error over the
 * blocks, or "too short" with the reason; how each was computed in a details list.
 */
export function TransportTable({ transport }: { transport: Summary }) {
  const { t } = useI18n();
  const viscosity = obj(transport.viscosity);
  const cutoff = num(viscosity?.integration_cutoff_ps);
  const residences = arr(transport.residence_time).map(obj).filter(isSummary);
  const diffusion = arr(transport.diffusion).map(obj).filter(isSummary);

  const rows = [
    { key: "eh", label: t("transport.eh"), raw: transport.conductivity_einstein_helfand },
    { key: "ne", label: t("transport.ne"), raw: transport.conductivity_nernst_einstein },
    { key: "haven", label: t("transport.haven"), raw: transport.haven_ratio },
    {
      key: "viscosity",
      label: t("transport.viscosity"),
      raw: viscosity,
      note: cutoff !== undefined ? t("transport.cutoff", { t: formatNumber(cutoff, 3) }) : undefined,
    },
    ...residences.map((r) => {
      const cation = str(r.cation) ?? "?";
      const partner = str(r.partner) ?? "?";
      return {
        key: `residence-${cation}-${partner}`,
        label: t("transport.residence", { cation, partner }),
        raw: r,
      };
    }),
  ].flatMap(({ raw, ...row }): Row[] => {
    const e = estimate(raw);
    return e ? [{ ...row, estimate: e }] : [];
  });

  // One line per quantity: every residence time (and every species' D) has the same method.
  const methods = new Map<string, string>();
  const addMethod = (label: string, e: Estimate | undefined) => {
    if (e?.method && !methods.has(label)) methods.set(label, e.method);
  };
  for (const row of rows)
    addMethod(row.key.startsWith("residence-") ? t("transport.residenceTime") : row.label, row.estimate);
  for (const entry of diffusion) {
    addMethod("D", estimate(entry.D));
    addMethod(t("transport.dYehHummer"), estimate(entry.D_yeh_hummer));
  }

  const blocks = blockCounts(
    [
      ...rows.map((row) => row.estimate),
      ...diffusion.flatMap((entry) => [estimate(entry.D), estimate(entry.D_yeh_hummer)]),
    ],
    num(transport.blocks),
  );

  return (
    <section className="card" data-testid="transport">
      <h3>{t("transport.title")}</h3>
      {blocks !== undefined && (
        <p className="muted small-text" data-testid="transport-blocks">
          {t("transport.blocks", { n: blocks })}
        </p>
      )}
      {rows.length > 0 && (
        <table className="numbers" data-testid="transport-numbers">
          <tbody>
            {rows.map((row) => (
              <tr key={row.key}>
                <th scope="row">{row.label}</th>
                <td data-testid={`transport-${row.key}`}>
                  <EstimateValue estimate={row.estimate} withUnit />
                  {row.note && row.estimate.value !== undefined && (
                    <div className="muted small-text">{row.note}</div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {diffusion.length > 0 && <DiffusionTable entries={diffusion} />}
      {methods.size > 0 && (
        <details data-testid="transport-methods">
          <summary>{t("transport.methods")}</summary>
          <dl className="facts">
            {[...methods].map(([label, method]) => (
              <Fragment key={label}>
                <dt>{label}</dt>
                <dd>{method}</dd>
              </Fragment>
            ))}
          </dl>
        </details>
      )}
    </section>
  );
}

/** Self-diffusion per species, in 10⁻⁶ cm²/s, with and without the Yeh-Hummer correction. */
function DiffusionTable({ entries }: { entries: Summary[] }) {
  const { t } = useI18n();
  const unit = displayUnit("cm^2/s").label;
  return (
    <>
      <h4>{t("transport.diffusion")}</h4>
      <table className="numbers" data-testid="transport-diffusion">
        <thead>
          <tr>
            <th scope="col">{t("md.species")}</th>
            <th scope="col" className="num">
              D <span className="unit">({unit})</span>
            </th>
            <th scope="col" className="num" title={t("transport.yehHummerHint")}>
              {t("transport.dYehHummer")} <span className="unit">({unit})</span>
            </th>
            <th scope="col">{t("md.fitWindow")}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry, index) => {
            const d = estimate(entry.D);
            const corrected = estimate(entry.D_yeh_hummer);
            const window = numbers(entry.window_ps);
            return (
              <tr key={index}>
                <td>{str(entry.species) ?? "—"}</td>
                <EstimateCell estimate={d} />
                {/* The correction inherits D's reason; said once, in the D column. */}
                <EstimateCell
                  estimate={corrected}
                  hideReason={d?.tooShort !== undefined && corrected?.tooShort === d.tooShort}
                />
                <td>
                  {window.length === 2 ? `${formatNumber(window[0])}–${formatNumber(window[1])} ps` : "—"}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

function EstimateCell({ estimate, hideReason }: { estimate: Estimate | undefined; hideReason?: boolean }) {
  if (!estimate) return <td>—</td>;
  return (
    <td className={estimate.value !== undefined ? "num" : undefined}>
      <EstimateValue estimate={estimate} hideReason={hideReason} />
    </td>
  );
}

/** "4.5 ± 1.2 mS/cm" (method on hover), or the too-short marker and, below it, the reason. */
function EstimateValue({
  estimate,
  withUnit,
  hideReason,
}: {
  estimate: Estimate;
  withUnit?: boolean;
  hideReason?: boolean;
}) {
  const { t } = useI18n();
  const text = estimateText(estimate);
  if (text !== undefined) {
    const unit = withUnit ? displayUnit(estimate.unit).label : "";
    return <span title={estimate.method}>{unit ? `${text} ${unit}` : text}</span>;
  }
  const reason = estimate.tooShort;
  if (!reason) return <>—</>;
  return (
    <>
      <em title={reason}>{t("transport.tooShort")}</em>
      {!hideReason && <div className="muted small-text">{reason}</div>}
    </>
  );
}

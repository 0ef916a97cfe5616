// UI texts of an MD job's transport section (block-averaged diffusion, conductivity, Haven ratio,
// viscosity, residence times), in English and 中文 (merged into strings.ts).

export const transportEn = {
  "transport.title": "Transport",
  "transport.blocks": "± is the standard error of the mean over {n} blocks of the production run.",
  "transport.tooShort": "too short",
  "transport.eh": "Conductivity, Einstein-Helfand",
  "transport.ne": "Conductivity, Nernst-Einstein",
  "transport.haven": "Haven ratio",
  "transport.viscosity": "Viscosity, Green-Kubo",
  "transport.cutoff": "integrated to {t} ps",
  "transport.residence": "Residence time of {partner} at {cation}",
  "transport.residenceTime": "Residence time",
  "transport.diffusion": "Self-diffusion",
  "transport.dYehHummer": "D, Yeh-Hummer",
  "transport.yehHummerHint":
    "D corrected for the finite periodic box (Yeh and Hummer 2004) with this run's viscosity",
  "transport.methods": "How these were computed",
  "transport.wholeRun": "whole-run Nernst-Einstein, no error estimate",
};

export const transportZh: Record<keyof typeof transportEn, string> = {
  "transport.title": "输运性质",
  "transport.blocks": "± 为生产段 {n} 个分块的平均值标准误差。",
  "transport.tooShort": "模拟过短",
  "transport.eh": "电导率（Einstein-Helfand）",
  "transport.ne": "电导率（Nernst-Einstein）",
  "transport.haven": "Haven 比",
  "transport.viscosity": "黏度（Green-Kubo）",
  "transport.cutoff": "积分至 {t} ps",
  "transport.residence": "{partner} 在 {cation} 周围的停留时间",
  "transport.residenceTime": "停留时间",
  "transport.diffusion": "自扩散系数",
  "transport.dYehHummer": "D（Yeh-Hummer 校正）",
  "transport.yehHummerHint": "用本次模拟的黏度校正周期性盒子的有限尺寸效应（Yeh 与 Hummer 2004）后的 D",
  "transport.methods": "计算方法",
  "transport.wholeRun": "全程 Nernst-Einstein 估计，无误差估计",
};

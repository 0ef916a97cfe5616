// UI texts of the MD form's composition (species pickers, salt-free boxes) and of a job's
// composition line, in English and 中文 (merged into strings.ts).

export const mdEn = {
  "md.saltFree":
    "No salt: this box is salt-free (a neat solvent, a blend or a neat ionic liquid). Its size is counted in molecules, an ionic-liquid ion pair counting as one. Add a salt to make an electrolyte.",
  "md.molecules": "Molecules (ion pairs)",
  "md.saltsOf": "{cation} salts",
  "md.molecularSolvents": "Molecular solvents",
  "md.ionicLiquids": "Ionic liquids",
  "md.chooseSalt": "Choose a salt…",
  "md.chooseSolvent": "Choose a solvent or ionic liquid…",
  "md.notInLibrary": "{name} (not in the library)",
  "md.ionicLiquid": "ionic liquid, counted in ion pairs",
  "md.compositionIn": "{salts} in {solvents}",
  "md.compositionNoSalt": "{solvents}, no salt",
  "md.ratioBy": "{ratios} by {type}",
};

export const mdZh: Record<keyof typeof mdEn, string> = {
  "md.saltFree":
    "无盐：该盒子不含盐（纯溶剂、混合溶剂或纯离子液体）。体系大小按分子数计，离子液体的一个离子对计为一个。添加盐即构成电解液。",
  "md.molecules": "分子数（离子对）",
  "md.saltsOf": "{cation} 盐",
  "md.molecularSolvents": "分子溶剂",
  "md.ionicLiquids": "离子液体",
  "md.chooseSalt": "选择盐…",
  "md.chooseSolvent": "选择溶剂或离子液体…",
  "md.notInLibrary": "{name}（不在库中）",
  "md.ionicLiquid": "离子液体，按离子对计",
  "md.compositionIn": "{salts}，溶于 {solvents}",
  "md.compositionNoSalt": "{solvents}，无盐",
  "md.ratioBy": "按{type} {ratios}",
};

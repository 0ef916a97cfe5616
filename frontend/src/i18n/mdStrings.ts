// UI texts of the MD form's composition (species pickers, salt-free boxes, what a concentration
// counts per), of the system summary's concentrations and of a job's composition line, in
// English and 中文 (merged into strings.ts).

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
  "md.concentrationBasis": "Concentrations are in",
  "md.basis.solvent": "mol/L of solvent",
  "md.basis.solution": "mol/L of solution",
  "md.basis.molal": "mol/kg of solvent",
  "md.basisHint.solvent":
    "Per litre of the solvent mixture, leaving out the volume the salt adds (the server's default; every job before this choice was built so).",
  "md.basisHint.solution":
    "Per litre of solution, as “1 M LiPF6 in EC:EMC” is meant in the laboratory; the salt's volume is estimated from its ions' sizes.",
  "md.basisHint.molal": "Per kg of the solvent mixture (molality), as conductivity is often reported.",
  "md.concentrationMolal": "Concentration (mol/kg)",
  "md.compositionPerSolution": "{composition}, per litre of solution",
  "md.givenIn": "Concentrations given in",
  "md.boxPerSolvent": "Salt per litre of solvent",
  "md.boxPerSolution": "Salt per litre of solution (estimate)",
  "md.boxPerKg": "Salt per kg of solvent",
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
  "md.concentrationBasis": "浓度计量方式",
  "md.basis.solvent": "mol/L（每升溶剂）",
  "md.basis.solution": "mol/L（每升溶液）",
  "md.basis.molal": "mol/kg（每千克溶剂）",
  "md.basisHint.solvent":
    "按每升混合溶剂计，不计盐溶解后增加的体积（服务器默认；增加此选项之前的作业都按此构建）。",
  "md.basisHint.solution":
    "按每升溶液计，即实验室中“1 M LiPF6 溶于 EC:EMC”的含义；盐的体积由其离子大小估算。",
  "md.basisHint.molal": "按每千克混合溶剂计（质量摩尔浓度），电导率文献常用此表示。",
  "md.concentrationMolal": "浓度（mol/kg）",
  "md.compositionPerSolution": "{composition}，按溶液体积计",
  "md.givenIn": "浓度计量方式",
  "md.boxPerSolvent": "每升溶剂中的盐",
  "md.boxPerSolution": "每升溶液中的盐（估计）",
  "md.boxPerKg": "每千克溶剂中的盐",
};

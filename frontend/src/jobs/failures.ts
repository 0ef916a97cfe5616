// Failure reasons in plain words. The server sends English (failure_description); these cover 中文
// and the case where the server sent only the reason's name.

import type { Job } from "../api/types";
import type { Language } from "../i18n/strings";

const EN: Record<string, string> = {
  TIMEOUT: "The job ran past its time limit.",
  OUT_OF_MEMORY: "The job ran out of memory.",
  NODE_FAIL: "The compute node failed.",
  PREEMPTED: "The scheduler preempted the job.",
  BOOT_FAIL: "The compute node failed to boot.",
  DEADLINE: "The job missed its scheduler deadline.",
  WORKER_LOST: "The worker running the job stopped answering.",
  SCHEDULER_ERROR: "The scheduler reported an error.",
  SUBMIT_FAILED: "The batch job could not be submitted.",
  DISK_FULL: "The work directory's disk is full.",
  UPLOAD_FAILED: "The results could not be uploaded.",
  ENGINE_UNAVAILABLE: "The requested engine is not installed on the worker.",
  MAX_ATTEMPTS: "The job failed too many times.",
  SCRIPT_FAILED: "The batch script exited with an error.",
  INVALID_INPUT: "The job's input could not be built.",
  RESOURCES_EXCEEDED: "The job asks for more than the worker's partition allows.",
  BUILD_FAILED: "The simulation system could not be built.",
  ANALYSIS_FAILED: "The analysis of the results failed.",
  LOST_ATOMS: "LAMMPS lost atoms: the system blew up.",
  BOND_ATOMS_MISSING: "LAMMPS lost the atoms of a bond: the system blew up.",
  OUT_OF_RANGE: "LAMMPS found atoms out of range.",
  NAN_ENERGY: "The energy became NaN.",
  SCF_NOT_CONVERGED: "The SCF did not converge.",
  OPT_NOT_CONVERGED: "The geometry optimisation did not converge.",
  LINK9999: "Gaussian stopped in link 9999 (optimisation ran out of steps).",
  QC_MEMORY: "The quantum chemistry program ran out of memory.",
  WRONG_CHARGE_MULTIPLICITY: "Charge and multiplicity do not fit the molecule.",
  BASIS_NOT_FOUND: "The basis set is not available for an element.",
  CANCELLED: "The job was cancelled.",
  UNKNOWN: "The job failed for an unknown reason.",
};

const ZH: Record<string, string> = {
  TIMEOUT: "作业超出了运行时间限制。",
  OUT_OF_MEMORY: "作业内存不足。",
  NODE_FAIL: "计算节点发生故障。",
  PREEMPTED: "作业被调度系统抢占。",
  BOOT_FAIL: "计算节点启动失败。",
  DEADLINE: "作业错过了调度截止时间。",
  WORKER_LOST: "运行该作业的 worker 失去响应。",
  SCHEDULER_ERROR: "调度系统报告了错误。",
  SUBMIT_FAILED: "批处理作业无法提交。",
  DISK_FULL: "工作目录所在磁盘已满。",
  UPLOAD_FAILED: "结果无法上传。",
  ENGINE_UNAVAILABLE: "worker 上未安装所需的计算引擎。",
  MAX_ATTEMPTS: "作业失败次数过多。",
  SCRIPT_FAILED: "批处理脚本以错误退出。",
  INVALID_INPUT: "无法生成作业输入。",
  RESOURCES_EXCEEDED: "作业申请的资源超过了 worker 分区的上限。",
  BUILD_FAILED: "无法构建模拟体系。",
  ANALYSIS_FAILED: "结果分析失败。",
  LOST_ATOMS: "LAMMPS 丢失了原子：体系崩溃。",
  BOND_ATOMS_MISSING: "LAMMPS 丢失了成键原子：体系崩溃。",
  OUT_OF_RANGE: "LAMMPS 发现原子超出范围。",
  NAN_ENERGY: "能量变为 NaN。",
  SCF_NOT_CONVERGED: "SCF 未收敛。",
  OPT_NOT_CONVERGED: "几何优化未收敛。",
  LINK9999: "Gaussian 在 link 9999 停止（优化步数用尽）。",
  QC_MEMORY: "量子化学程序内存不足。",
  WRONG_CHARGE_MULTIPLICITY: "电荷与自旋多重度与分子不符。",
  BASIS_NOT_FOUND: "某元素没有可用的该基组。",
  CANCELLED: "作业已取消。",
  UNKNOWN: "作业因未知原因失败。",
};

/** The plain-words reason a job failed, in the reader's language where we know it. */
export function failureText(
  job: Pick<Job, "failure_reason" | "failure_description">,
  language: Language,
): string {
  const reason = job.failure_reason ?? "UNKNOWN";
  if (language === "zh") return ZH[reason] ?? job.failure_description ?? ZH.UNKNOWN!;
  return job.failure_description || EN[reason] || EN.UNKNOWN!;
}

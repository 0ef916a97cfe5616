// Shapes of the server's JSON (HTTP contract under /api/v1). Summaries are loose: any key may be absent.

export type Role = "ADMIN" | "USER" | "WORKER";
export type JobType = "MD" | "QC";
export const JOB_STATES = [
  "PENDING",
  "CLAIMED",
  "QUEUED",
  "RUNNING",
  "POSTPROCESSING",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
] as const;
export type JobState = (typeof JOB_STATES)[number];
export const TERMINAL_STATES: ReadonlySet<string> = new Set(["COMPLETED", "FAILED", "CANCELLED"]);

export interface Me {
  id: number;
  username: string;
  role: Role;
  active: boolean;
  /** The highest priority this user may give a job (absent for worker tokens). */
  max_priority?: number | null;
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
}

export interface LibrarySalt {
  name: string;
  full_name?: string;
  cation?: string;
  anion?: string;
}

export interface LibrarySolvent {
  name: string;
  full_name?: string;
  smiles?: string;
  density?: number;
  molar_mass?: number;
  /** True for an ionic liquid: in ratios and molecule counts it is one ion pair. */
  ionic_liquid?: boolean;
  /** True when the ionic liquid's density is the server's estimate, not a measured one. */
  density_estimated?: boolean;
}

export interface Library {
  salts: LibrarySalt[];
  solvents: LibrarySolvent[];
}

export interface JobEvent {
  time: string;
  from: string | null;
  to: string;
  actor?: string | null;
  message?: string | null;
}

export interface Job {
  id: number;
  type: JobType;
  name: string;
  state: JobState;
  priority: number;
  cluster?: string | null;
  partition?: string | null;
  spec: Record<string, unknown>;
  owner?: string | null;
  worker?: string | null;
  scheduler_job_id?: string | null;
  /** Percent, 0-100. */
  progress?: number | null;
  /** While it runs: where the program is, and the seconds left at the last report. */
  stage?: string | null;
  eta_seconds?: number | null;
  failure_reason?: string | null;
  failure_description?: string | null;
  log_tail?: string | null;
  attempts?: number;
  created_at: string;
  updated_at?: string;
  events?: JobEvent[];
}

export interface JobPage {
  items: Job[];
  total: number;
}

/** Total salt the previewed box holds in each basis (null for a salt-free box). */
export interface MdConcentrations {
  basis: "solvent" | "solution" | "molal";
  mol_per_l_solvent: number;
  mol_per_l_solution_estimated: number;
  mol_per_kg_solvent: number;
}

export interface MdPreview {
  counts?: Record<string, number>;
  box_length?: number;
  atoms?: number;
  concentrations?: MdConcentrations | null;
}

export interface QcPreview {
  electrons?: number;
  atoms?: number;
}

export interface ValidateResponse {
  ok: boolean;
  preview?: MdPreview & QcPreview;
}

export interface ResultFile {
  name: string;
  size?: number;
  sha256?: string;
  url: string;
}

export interface Results {
  files?: ResultFile[] | null;
  summary?: Record<string, unknown> | null;
  zip_url?: string | null;
}

export interface AdminUser {
  id: number;
  username: string;
  role: Role;
  active: boolean;
  created_at?: string;
  // Limits: null is the server's default, 0 no limit.
  max_running_jobs?: number | null;
  max_pending_jobs?: number | null;
  max_submissions_per_minute?: number | null;
}

export interface WorkerToken {
  name: string;
  created_at?: string;
  last_used_at?: string | null;
  revoked: boolean;
}

export interface WorkerInfo {
  name: string;
  hostname?: string;
  state: "online" | "offline";
  last_heartbeat?: string | null;
  running?: number;
  capacity?: number;
  job_types?: string[];
  engines?: string[];
}

// Shapes of the studies, projects, provenance and usage JSON (docs/architecture.md, "The HTTP contract").

import type { JobState, JobType } from "../api/types";
import type { ConcentrationBasis } from "../md/mdForm";

/** A study's varied fields: `{path: [values]}` as the server stores them (a plain list also reads). */
export type StudyVariables = Record<string, unknown[]> | string[];

/** The varied paths of a study, in the order given. */
export function variablePaths(variables: StudyVariables | null | undefined): string[] {
  if (!variables) return [];
  return Array.isArray(variables) ? variables : Object.keys(variables);
}

export interface StudyRow {
  job_id: number;
  name?: string;
  state: JobState | string;
  /** The varied fields' values of this job, by dotted spec path. */
  values: Record<string, unknown>;
  /** The job's results (empty until it completes); loose, as summaries are. */
  results?: Record<string, unknown> | null;
}

export interface Study {
  id: number;
  name: string;
  type: JobType;
  /** The varied spec paths with their values (`{path: [values]}`), or the paths alone. */
  variables: StudyVariables;
  /** Jobs per state. */
  states?: Record<string, number>;
  /** What the jobs' salt concentrations count per; null when they have no salts or differ. */
  concentration_basis?: ConcentrationBasis | null;
  rows: StudyRow[];
  project_id?: number | null;
  owner?: string | null;
  created_at?: string;
}

/** One study in `GET /studies` (rows may be left out of the list). */
export interface StudyListItem {
  id: number;
  name: string;
  type: JobType;
  variables?: StudyVariables;
  states?: Record<string, number>;
  concentration_basis?: ConcentrationBasis | null;
  jobs?: number[];
  rows?: StudyRow[];
  project_id?: number | null;
  created_at?: string;
}

export interface StudyCreated {
  id: number;
  name: string;
  jobs: number[];
}

export type ProjectRole = "viewer" | "member" | "owner";
export const PROJECT_ROLES: readonly ProjectRole[] = ["viewer", "member", "owner"];

export interface ProjectMember {
  username: string;
  role: ProjectRole;
}

export interface Project {
  id: number;
  name: string;
  /** The signed-in user's role in it, when the server says. */
  role?: ProjectRole | null;
  members?: ProjectMember[] | null;
}

export interface UsageRow {
  key: string | null;
  jobs: number;
  core_hours: number;
}

export interface Usage {
  rows: UsageRow[];
}

// Shapes of the studies, projects, provenance and usage JSON (DESIGN "Additions (second round)").

import type { JobState, JobType } from "../api/types";

export interface StudyRow {
  job_id: number;
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
  /** The varied spec paths, in the order they were given. */
  variables: string[];
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
  variables?: string[];
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

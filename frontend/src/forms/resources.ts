// Cluster resources of a job (the same for MD and QC): form fields and the spec's `resources`.

import { numberValue } from "./numbers";

export interface ResourcesForm {
  tasks: string;
  cpus_per_task: string;
  memory_mb: string;
  walltime_minutes: string;
}

export const DEFAULT_RESOURCES: ResourcesForm = {
  tasks: "1",
  cpus_per_task: "1",
  memory_mb: "2000",
  walltime_minutes: "60",
};

/** The `resources` object of a spec. */
export function resourcesSpec(resources: ResourcesForm): Record<string, number | string | null> {
  return {
    tasks: numberValue(resources.tasks),
    cpus_per_task: numberValue(resources.cpus_per_task),
    memory_mb: numberValue(resources.memory_mb),
    walltime_minutes: numberValue(resources.walltime_minutes),
  };
}

/** The field paths of the resources, for error messages. */
export const RESOURCE_PATHS = [
  "resources",
  "resources.tasks",
  "resources.cpus_per_task",
  "resources.memory_mb",
  "resources.walltime_minutes",
];

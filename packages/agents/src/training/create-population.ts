import { KernelSet } from '../sdk/kernel.js';
import type { TrainJob } from '../sdk/learner.js';
import type { PopulationModel } from '../sdk/population-model.js';

/**
 * The population model a job trains: the population kernel its path names (absent: the family's first
 * registered one), or the family's generic population (its step, differentiated by tfjs).
 */
export function createPopulationModel(job: Pick<TrainJob, 'architecture' | 'kernels' | 'members' | 'task' | 'path'>): PopulationModel {
  const kernels = job.kernels ?? new KernelSet(job.architecture.family, []);
  const kernel = kernels.population(kernels.resolvePath(job.path));
  if (kernel) return kernel.create(job.members, { channels: job.task.channels });
  return job.architecture.createPopulation(job.members, { channels: job.task.channels });
}

import { Args, Flags } from '@oclif/core';
import { submitSlurm, writeSlurmScripts, type SubmittedJobs } from '@prnn/sweeps';
import { prnnCommand } from '../../cli/prnn-command.js';
import { BaseCommand } from '../../cli/base-command.js';
import { withParameterFlags } from '../../cli/flag-errors.js';

export default class SweepSlurm extends BaseCommand {
  static override summary = 'Write (and with --submit, submit) Slurm job arrays that run a sweep, and the job that merges them.';
  static override description =
    'Writes DIR/slurm/array.sbatch (array-<k>.sbatch when the chunks exceed the cluster\'s MaxArraySize, read ' +
    'from scontrol or --max-array-size): --array=0-N%K, one chunk per task, each task writing its shard to ' +
    'node-local storage ($SLURM_TMPDIR, else $TMPDIR, else /tmp) and publishing it to DIR/shards when done; and ' +
    'DIR/slurm/merge.sbatch (prnn sweep merge, then status). --submit calls sbatch for the arrays and then for ' +
    'the merge job with --dependency=afterany on them. A task stopped by the time limit (SIGTERM) checkpoints; ' +
    'submitting again continues. Slurm schedules; prnn only writes scripts.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> sweeps/paper --partition cpu --time 08:00:00 --cpus 4 --max-running 50', description: 'Write the scripts; submit them with sbatch yourself.' },
    { command: '<%= config.bin %> <%= command.id %> sweeps/paper --account lab --max-running 20 --submit --json', description: 'Write and submit; prints the job ids.' },
  ];

  static override enableJsonFlag = true;

  static override args = {
    dir: Args.string({ description: 'Sweep directory (on a file system every node sees).', required: true }),
  };

  static override flags = {
    partition: Flags.string({ description: 'Slurm partition.' }),
    account: Flags.string({ description: 'Slurm account to charge.' }),
    time: Flags.string({ description: 'Time limit per array task (Slurm format, e.g. 04:00:00 or 1-00:00:00).', default: '04:00:00' }),
    cpus: Flags.integer({ description: 'CPUs per task; the task trains on that many worker threads.', default: 2 }),
    mem: Flags.string({ description: 'Memory per task (Slurm format, e.g. 4G).' }),
    'max-running': Flags.integer({ description: 'At most this many tasks of an array at once (%K).' }),
    'max-array-size': Flags.integer({ description: 'The cluster\'s MaxArraySize (default: from scontrol show config, else 1001).' }),
    'sbatch-arg': Flags.string({ description: 'One more #SBATCH option for every job, e.g. --qos=long (repeatable).', multiple: true }),
    prnn: Flags.string({ description: 'Command that runs prnn on the compute nodes (default: this node and this installation).' }),
    submit: Flags.boolean({ description: 'Submit with sbatch (must be on PATH).', default: false }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { args, flags } = await this.parse(SweepSlurm);
    const prnn = flags.prnn ?? prnnCommand(this.config.root);
    const scripts = await withParameterFlags(['max-running', 'cpus', 'max-array-size', 'time', 'partition', 'account', 'mem', 'sbatch-arg'], () =>
      writeSlurmScripts({
        dir: args.dir,
        prnn,
        partition: flags.partition,
        account: flags.account,
        time: flags.time,
        cpus: flags.cpus,
        mem: flags.mem,
        maxRunning: flags['max-running'],
        maxArraySize: flags['max-array-size'],
        extra: flags['sbatch-arg'],
      }),
    );
    const tasks = scripts.arrays.reduce((n, a) => n + a.tasks, 0);
    this.log(`wrote ${scripts.arrays.length} array script${scripts.arrays.length === 1 ? '' : 's'} (${tasks} tasks) and ${scripts.merge}`);
    let jobs: SubmittedJobs | undefined;
    if (flags.submit) {
      jobs = await submitSlurm(scripts);
      this.log(`submitted array job${jobs.arrays.length === 1 ? '' : 's'} ${jobs.arrays.join(', ')} and merge job ${jobs.merge} (after them); watch with prnn sweep status ${args.dir}`);
    } else {
      this.log(`submit: ${scripts.arrays.map((a) => `sbatch ${a.file}`).join('; ')}; then sbatch --dependency=afterany:<array job ids> ${scripts.merge}`);
    }
    return { ...scripts, ...(jobs ? { jobs } : {}) };
  }
}

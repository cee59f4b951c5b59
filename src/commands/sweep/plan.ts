import { Args } from '@oclif/core';
import { initBackend, loadPlugins } from '@prnn/agents';
import { openSweepDir, PLAN_FILE } from '@prnn/sweeps';
import { BaseCommand } from '../../cli/base-command.js';
import { plansFromFlags, sweepPlanFlags } from '../../cli/sweep-plan-flags.js';

export default class SweepPlan extends BaseCommand {
  static override summary = 'Write a sweep directory: the versioned plan of every network, cut into chunks.';
  static override description =
    'Lists every network of the sweep (architecture, seed, task, the learner and its hyper-parameters) in ' +
    'a fixed order, cuts the list into chunks of --chunk-size networks (one population, one job; networks of ' +
    'another hidden size, such as ff-large, get chunks of their own) and names the measures computed per ' +
    'network: the final fitness, the training curve, the noise sweep (--noise) and the --metric plugins. ' +
    'The plan (DIR/plan.json) carries the prnn version and a hash of its contents; the store and every shard ' +
    'are tied to that hash. Planning the same sweep into the same directory again changes nothing.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> sweeps/paper --preset paper-track', description: "The paper's sweep: 6 450 networks in 26 chunks." },
    { command: '<%= config.bin %> <%= command.id %> sweeps/smoke --preset smoke', description: 'A check that runs in seconds.' },
    { command: '<%= config.bin %> <%= command.id %> sweeps/fc-ff --arch fc,ff --seeds 20 --episodes 50000 --chunk-size 20', description: 'An explicit sweep.' },
    { command: '<%= config.bin %> <%= command.id %> sweeps/general --preset paper-general --seeds 10 --json', description: 'A preset with an override, JSON on stdout.' },
    { command: '<%= config.bin %> <%= command.id %> sweeps/compare --preset small --learner dqn,a2c,es --learner-param es:pairs=8', description: 'A learner comparison: one sweep per learner in sweeps/compare/<learner>.' },
  ];

  static override enableJsonFlag = true;

  static override args = {
    dir: Args.string({ description: 'Sweep directory to create (or that already holds this plan).', required: true }),
  };

  static override flags = sweepPlanFlags;

  async run(): Promise<Record<string, unknown>> {
    const { args, flags } = await this.parse(SweepPlan);
    const registry = await loadPlugins({ cwd: process.cwd() });
    // tfjs runs only the ONNX pre-flight here (a family's step traced once): the pure-JavaScript backend does
    await initBackend('cpu');
    // every learner's plan is built and checked before any directory is written
    const plans = await plansFromFlags(registry, args.dir, flags);
    const summaries = [];
    for (const { learner, dir, plan: wanted } of plans) {
      // the directory's own plan (it differs from the one asked for only by predating the noise sweeps' engine)
      const { state, plan } = await openSweepDir(dir, wanted);
      const episodes = Number(plan.config.episodes);
      summaries.push({
        dir,
        plan: `${dir}/${PLAN_FILE}`,
        state,
        sweep: plan.sweep,
        preset: plan.preset,
        hash: plan.hash,
        task: plan.task.kind,
        learner,
        networks: plan.networks.length,
        chunks: plan.chunks.length,
        episodes,
        networkEpisodes: plan.networks.length * episodes,
      });
      this.log(
        `${state === 'created' ? 'planned' : 'already planned'} sweep ${plan.sweep} (${plan.preset}, learner ${learner}, hash ${plan.hash}) in ${dir}: ` +
          `${plan.networks.length.toLocaleString('en-US')} networks on ${plan.task.kind} in ${plan.chunks.length} chunks, ` +
          `${episodes.toLocaleString('en-US')} episodes each; next: prnn sweep run ${dir}`,
      );
    }
    if (plans.length > 1) this.log(`when every sweep is run: prnn compare --sweep ${args.dir} --out ${args.dir}/comparison`);
    // one learner: the summary as it always was; several: one per learner
    const summary: Record<string, unknown> = plans.length === 1 ? summaries[0] : { dir: args.dir, learners: plans.map((p) => p.learner), sweeps: summaries };
    return summary;
  }
}

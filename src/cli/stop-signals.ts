/** Exit codes after a signal stopped a run cleanly (a checkpoint was written): 128 + the signal number. */
export const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * SIGINT/SIGTERM → abort `signal` (training stops at its next checkpoint); the same signal a second time
 * exits at once. `dispose()` removes the handlers; `received` is the first signal's name.
 */
export class StopSignals {
  readonly #controller = new AbortController();
  #received: string | undefined;
  readonly #handler = (signal: NodeJS.Signals) => {
    if (this.#received !== undefined) process.exit(SIGNAL_EXIT[signal] ?? 1);
    this.#received = signal;
    if (!this.quiet) process.stderr.write(`\n${signal}: stopping at the next checkpoint (send it again to stop at once)\n`);
    this.#controller.abort();
  };

  constructor(private readonly quiet: boolean) {
    process.on('SIGINT', this.#handler);
    process.on('SIGTERM', this.#handler);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get received(): string | undefined {
    return this.#received;
  }

  /** The exit code for a run these signals stopped. */
  get exitCode(): number {
    return SIGNAL_EXIT[this.#received ?? ''] ?? 1;
  }

  dispose(): void {
    process.off('SIGINT', this.#handler);
    process.off('SIGTERM', this.#handler);
  }
}

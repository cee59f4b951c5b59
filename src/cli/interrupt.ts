/** Exit code of a command stopped by SIGINT/SIGTERM (128 + SIGINT, as shells report Ctrl-C). */
export const INTERRUPT_EXIT_CODE = 130;

/**
 * Turns the first SIGINT or SIGTERM into an abort of the returned signal (the command then stops cleanly);
 * a second one ends the process at once with exit code 130. `release()` removes the handlers.
 */
export function abortOnInterrupt(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(INTERRUPT_EXIT_CODE);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** An argument as a POSIX shell reads it back: bare when safe, else single-quoted. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line that continues an interrupted command: its arguments with `--resume` (added once). */
export function resumeCommand(bin: string, id: string, argv: readonly string[]): string {
  const args = argv.filter((a) => a !== '--resume');
  return [bin, ...id.split(':'), ...args, '--resume'].map(shellQuote).join(' ');
}

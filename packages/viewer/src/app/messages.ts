/** Clear messages on the page, one per key (a later message of the same key replaces it; null removes it). */
export class Messages {
  private readonly shown = new Map<string, string>();

  constructor(private readonly root: HTMLElement) {}

  set(key: string, text: string | null): void {
    if (text === null) this.shown.delete(key);
    else this.shown.set(key, text);
    this.root.replaceChildren(
      ...[...this.shown.values()].map((t) => {
        const p = document.createElement('p');
        p.textContent = t;
        return p;
      }),
    );
  }

  get texts(): string[] {
    return [...this.shown.values()];
  }
}

/** The message of anything thrown (PrnnError messages name the parameter and what is allowed). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

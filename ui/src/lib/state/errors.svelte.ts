// Errors shown above the workbench: one entry per distinct message, until dismissed.

let nextErrorId = 1;

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class Errors {
  list = $state<{ id: number; message: string }[]>([]);

  report(e: unknown): void {
    const text = message(e);
    if (this.list.some((x) => x.message === text)) return;
    this.list = [...this.list, { id: nextErrorId++, message: text }];
  }

  dismiss(id: number): void {
    this.list = this.list.filter((e) => e.id !== id);
  }
}

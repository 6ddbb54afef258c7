// Command-line flags of the voice benches: `--name value` integers and `--name` switches; an
// unknown flag or a bad value stops the bench with a message that names it.

export class FlagError extends Error {
  override readonly name = 'FlagError';
}

export class Flags {
  constructor(
    private readonly argv: readonly string[],
    known: readonly string[],
  ) {
    for (const arg of argv) {
      if (arg.startsWith('--') && !known.includes(arg.slice(2))) throw new FlagError(`unknown flag ${arg} (known: ${known.map((k) => `--${k}`).join(' ')})`);
    }
  }

  string(name: string): string | undefined {
    const i = this.argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const value = this.argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new FlagError(`--${name} needs a value`);
    return value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new FlagError(`--${name} must be an integer from ${min} to ${max}, got ${raw}`);
    return n;
  }

  has(name: string): boolean {
    return this.argv.includes(`--${name}`);
  }
}

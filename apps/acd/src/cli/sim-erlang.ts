// npm run -s sim:erlang -- --agents A --arrival-rate L --aht H --sl-threshold T --calls N --seed S [--warmup W]
// Drives the real routing engine on a simulated clock and prints one JSON line: the measured
// p_wait, asa_s and service_level next to the Erlang C predictions (erlang_*).
import { runErlangSimulation, type ErlangSimulationInput } from '../simulation/erlang.simulation';

const flags: Record<string, { key: keyof ErlangSimulationInput; integer: boolean; required: boolean }> = {
  '--agents': { key: 'agents', integer: true, required: true },
  '--arrival-rate': { key: 'arrivalRate', integer: false, required: true },
  '--aht': { key: 'ahtSeconds', integer: false, required: true },
  '--sl-threshold': { key: 'slThresholdSeconds', integer: false, required: true },
  '--calls': { key: 'calls', integer: true, required: true },
  '--seed': { key: 'seed', integer: true, required: true },
  '--warmup': { key: 'warmupCalls', integer: true, required: false },
};

function parseArguments(argv: readonly string[]): ErlangSimulationInput {
  const values: Partial<Record<keyof ErlangSimulationInput, number>> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i] as string;
    const flag = flags[name];
    if (!flag) throw new Error(`unknown option ${name} (options: ${Object.keys(flags).join(' ')})`);
    const raw = argv[i + 1];
    if (raw === undefined) throw new Error(`${name} needs a value`);
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) throw new Error(`${name} must be a number, got ${JSON.stringify(raw)}`);
    if (flag.integer && !Number.isInteger(value)) throw new Error(`${name} must be a whole number, got ${raw}`);
    values[flag.key] = value;
  }
  const missing = Object.entries(flags)
    .filter(([, flag]) => flag.required && values[flag.key] === undefined)
    .map(([name]) => name);
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}`);
  return values as ErlangSimulationInput;
}

async function main(): Promise<void> {
  const input = parseArguments(process.argv.slice(2));
  const result = await runErlangSimulation(input);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`sim:erlang: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

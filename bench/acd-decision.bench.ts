// npm run -s bench:acd-decision — routing decision latency of the ACD engine for one tenant with
// 10,000 agents, 1,000 queues and 50 skills (see bench/acd/decision-latency.ts for what is measured).
// Prints one JSON line. BENCH_ITERATIONS (default 20000), BENCH_SEED (default 42).
import { measureDecisionLatency } from './acd/decision-latency';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const seed = Number(process.env.BENCH_SEED ?? 42);

measureDecisionLatency({ iterations, seed })
  .then((result) => process.stdout.write(`${JSON.stringify({ bench: 'acd-decision', ...result })}\n`))
  .catch((error: unknown) => {
    process.stderr.write(`bench:acd-decision: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });

/**
 * Autoscaling benchmark (npm run bench:autoscale), one run, on an isolated Gantry on this
 * machine's engine, with the saturating-app fixture (one request at a time, 25 ms each: an
 * instance answers ~40 req/s whatever the machine) autoscaled 1-8 on p95 250 ms:
 *   (a) autoscale-step.ts:   a load step 10 -> 130 req/s (needs four instances): seconds from the
 *                            step until the load generator's rolling p95 is back under the target;
 *   (b) autoscale-steady.ts: scale events during five minutes of a steady 100 req/s, once settled
 *                            (goal 0);
 *   (c) autoscale-wake.ts:   the wake latency of the sleeping app (ps:sleep) beside docker start of
 *                            a copy of its container, p50/p99 and ratio; skipped, and said so,
 *                            when the CLI has no ps:sleep.
 * The autoscaler reads the installation's GANTRY_AUTOSCALE_WINDOW / _STABILIZATION (production's
 * 60 s / 5 min unless set). Settings (autoscale-options.ts): GANTRY_BENCH_AUTOSCALE_ONLY,
 * GANTRY_BENCH_STEADY_SECONDS, GANTRY_BENCH_WAKE_SAMPLES. Prints the figures and keeps them in
 * .gantry/bench/; exits 1 when a part failed or the step's p95 never came back under the target.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '@gantry/config';
import { printRows, runBench } from './common';
import { failures, stepRows, steadyRows, wakeRows, type Outcome } from './autoscale-figures';
import { autoscaleBenchOptions, type AutoscalePart } from './autoscale-options';
import { withAutoscaleBench, SERVICE_MS } from './autoscale-setup';
import { measureSteady } from './autoscale-steady';
import { measureStep } from './autoscale-step';
import { measureWake } from './autoscale-wake';
import { POLICY } from './autoscale-watch';

/** A part that is not asked for is skipped; one that throws is a figure ("FAILED: why"), not a crash hiding the others. */
async function part<T>(asked: AutoscalePart[], name: AutoscalePart, run: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  if (!asked.includes(name)) return { skipped: `not run (GANTRY_BENCH_AUTOSCALE_ONLY=${asked.join(',')})` };
  return run().catch((err: Error) => {
    console.error(`  ${name} failed: ${err.message}`);
    return { failed: err.message };
  });
}

async function main(): Promise<void> {
  const opts = autoscaleBenchOptions(process.env);
  const { figures, windowMs, stabilizationMs } = await withAutoscaleBench(async (b) => ({
    figures: {
      step: await part(opts.parts, 'step', () => measureStep(b)),
      steady: await part(opts.parts, 'steady', () => measureSteady(b, opts.steadySeconds)),
      wake: await part(opts.parts, 'wake', () => measureWake(b, opts.wakeSamples)),
    },
    windowMs: b.config.GANTRY_AUTOSCALE_WINDOW,
    stabilizationMs: b.config.GANTRY_AUTOSCALE_STABILIZATION,
  }));
  if ('skipped' in figures.wake) console.log(`(c) wake: ${figures.wake.skipped}`);
  const title =
    `Autoscaling benchmark: saturating-app (one request at a time, ${SERVICE_MS} ms each: ~${Math.round(1000 / SERVICE_MS)} req/s per instance), ` +
    `policy ${POLICY.min}-${POLICY.max} on p95 ${POLICY.target} ms, autoscaler window ${windowMs / 1000} s / stabilization ${stabilizationMs / 1000} s, this machine, one run`;
  const rows = [...stepRows(figures.step), ...steadyRows(figures.steady), ...wakeRows(figures.wake)];
  printRows(title, rows);
  const dir = join(REPO_ROOT, '.gantry', 'bench');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `autoscale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const failed = failures(figures);
  await writeFile(file, JSON.stringify({ title, figures, rows, failures: failed }, null, 2) + '\n');
  console.log(`\nFigures kept in ${file}`);
  for (const f of failed) console.error(`FAILED: ${f}`);
  process.exit(failed.length ? 1 : 0);
}

runBench(main);

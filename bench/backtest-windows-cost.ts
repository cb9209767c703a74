// What more backtest windows cost: `trainPartition`'s CPU per partition with 1 and with 3 windows on generated
// weekly retail series (the demo's kind: 156 weeks, holdout 8), in one process, three passes (the first includes
// the JIT compiling the models).
//   node bench/backtest-windows-cost.ts [--series 300]
import { forecastSchema } from '../src/config/schema.ts';
import { trainPartition } from '../src/engine/train-partition.ts';
import { retailSeries } from '../test/models/fixtures.ts';

const at = process.argv.indexOf('--series');
const count = at >= 0 ? Number(process.argv[at + 1]) : 300;
const lineage = {
  runId: 'cost',
  codeVersion: 'cost',
  dataFingerprint: 'cost',
  trainedAt: '1970-01-01T00:00:00.000Z',
};
const fixtures = Array.from({ length: count }, (_, i) =>
  retailSeries({ seed: i + 1, length: 156, key: [`S${i}`, 'B'] }),
);
const cost = (windows: number) => {
  const forecast = forecastSchema.parse({ horizon: 8, holdout: 8, backtestWindows: windows });
  const c0 = process.cpuUsage();
  for (const f of fixtures) {
    trainPartition(f.series, { context: f.context, forecast, partitionBy: ['Store', 'Brand'], lineage });
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / count;
};
for (let pass = 0; pass < 3; pass++) {
  console.log(
    `pass ${pass}: 1 window ${cost(1).toFixed(3)} ms, 3 windows ${cost(3).toFixed(3)} ms CPU per partition`,
  );
}

// Runs one prepare in its own process, so a test can kill it half way: node prepare-child.ts <dataset> <outDir>
import { parseConfig } from '../../src/config/load.ts';
import { prepare } from '../../src/data/index.ts';

const [dataset, outDir] = process.argv.slice(2);
const config = parseConfig(
  {
    dataset: {
      path: dataset,
      partitionBy: ['Store', 'Brand'],
      time: 'WeekStarting',
      target: 'Quantity',
      frequency: 'W',
      features: ['Price', 'Advert'],
    },
    forecast: { horizon: 8, holdout: 8 },
    engine: { maxFailedShare: 0.2 },
  },
  'prepare-child',
);
await prepare(config, { outDir: outDir!, buckets: 64, threads: 1 });

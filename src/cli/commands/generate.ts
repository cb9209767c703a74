import { Command, InvalidArgumentError, Option } from 'commander';
import { FREQUENCIES, type Frequency } from '../../core/vocabulary.ts';

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
  }
  return n;
}

function share(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`expected a number, got '${value}'`);
  return n;
}

interface GenerateFlags {
  partitions: number;
  periods: number;
  frequency: Frequency;
  seed: number;
  out: string;
  start?: string;
  brands: number;
  missing: number;
  hiddenPromotions: number;
  future: number;
  format?: 'parquet' | 'csv';
}

export function generateCommand(): Command {
  return (
    new Command('generate')
      .description(
        'Write a synthetic retail dataset (store x brand sales with planted trend, seasonality, price elasticity, promotion lift and holidays) and its ground truth.',
      )
      // Bad flags become a CommanderError (exit code 2 in runCli) instead of a process.exit from commander.
      .exitOverride()
      .addOption(
        new Option('--partitions <n>', 'number of store x brand series').argParser(wholeNumber).default(1000),
      )
      .addOption(new Option('--periods <n>', 'periods per series').argParser(wholeNumber).default(156))
      .addOption(
        new Option('--frequency <f>', 'D (daily), W (weekly) or M (monthly)')
          .choices(FREQUENCIES)
          .default('W'),
      )
      .addOption(
        new Option('--seed <n>', 'random seed: same seed, same data').argParser(wholeNumber).default(42),
      )
      .addOption(
        new Option('--out <file>', 'dataset file (.parquet, or .csv)').default('.mm/local/raw/demo.parquet'),
      )
      .addOption(new Option('--start <date>', 'first period, YYYY-MM-DD (default per frequency)'))
      .addOption(new Option('--brands <n>', 'brands per store (1-10)').argParser(wholeNumber).default(3))
      .addOption(
        new Option('--missing <share>', 'share of rows dropped to leave gaps (0-0.5)')
          .argParser(share)
          .default(0),
      )
      .addOption(
        new Option(
          '--hidden-promotions <share>',
          'share of rows lifted by a promotion the data does not show (0-0.5), as real data has',
        )
          .argParser(share)
          .default(0),
      )
      .addOption(
        new Option('--future <n>', 'also write planned Price and Advert for the next n periods (0: none)')
          .argParser(wholeNumber)
          .default(8),
      )
      .addOption(
        new Option('--format <format>', 'file format (default from the file name)').choices([
          'parquet',
          'csv',
        ]),
      )
      .action(async (flags: GenerateFlags) => {
        const { generate } = await import('../../generate/index.ts');
        const result = await generate({
          out: flags.out,
          partitions: flags.partitions,
          periods: flags.periods,
          frequency: flags.frequency,
          seed: flags.seed,
          start: flags.start,
          brands: flags.brands,
          missingShare: flags.missing,
          hiddenPromotionShare: flags.hiddenPromotions,
          futureHorizon: flags.future,
          format: flags.format,
        });
        const lines = [
          `generated ${result.rows} rows for ${result.partitions} partitions in ${result.seconds.toFixed(1)} s`,
          `  data:   ${result.path} (time column ${result.timeColumn})`,
          `  truth:  ${result.truthPath}`,
        ];
        if (result.futurePath)
          lines.push(`  future: ${result.futurePath} (planned Price and Advert, ${flags.future} periods)`);
        process.stdout.write(`${lines.join('\n')}\n`);
      })
  );
}

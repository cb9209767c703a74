import { Command } from 'commander';
import { StageError } from '../exit.ts';

// Placeholder until the 'report' stage lands; fails loudly rather than pretending.
export function reportCommand(): Command {
  return new Command('report').description('(not built yet)').action(() => {
    throw new StageError("the 'report' stage is not built yet", 3);
  });
}

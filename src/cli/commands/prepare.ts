import { Command } from 'commander';
import { StageError } from '../exit.ts';

// Placeholder until the 'prepare' stage lands; fails loudly rather than pretending.
export function prepareCommand(): Command {
  return new Command('prepare').description('(not built yet)').action(() => {
    throw new StageError("the 'prepare' stage is not built yet", 3);
  });
}

import { Command } from 'commander';
import { StageError } from '../exit.ts';

// Placeholder until the 'train' stage lands; fails loudly rather than pretending.
export function trainCommand(): Command {
  return new Command('train').description('(not built yet)').action(() => {
    throw new StageError("the 'train' stage is not built yet", 3);
  });
}

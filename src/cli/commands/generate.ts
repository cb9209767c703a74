import { Command } from 'commander';
import { StageError } from '../exit.ts';

// Placeholder until the 'generate' stage lands; fails loudly rather than pretending.
export function generateCommand(): Command {
  return new Command('generate').description('(not built yet)').action(() => {
    throw new StageError("the 'generate' stage is not built yet", 3);
  });
}

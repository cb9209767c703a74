import { Command } from 'commander';
import { StageError } from '../exit.ts';

// Placeholder until the 'score' stage lands; fails loudly rather than pretending.
export function scoreCommand(): Command {
  return new Command('score').description('(not built yet)').action(() => {
    throw new StageError("the 'score' stage is not built yet", 3);
  });
}

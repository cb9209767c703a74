import { Command } from 'commander';
import { StageError } from '../exit.ts';

// Placeholder until the 'demo' stage lands; fails loudly rather than pretending.
export function demoCommand(): Command {
  return new Command('demo').description('(not built yet)').action(() => {
    throw new StageError("the 'demo' stage is not built yet", 3);
  });
}

import { Command } from 'commander';
import { StageError } from '../exit.ts';

// Placeholder until the 'serve' stage lands; fails loudly rather than pretending.
export function serveCommand(): Command {
  return new Command('serve').description('(not built yet)').action(() => {
    throw new StageError("the 'serve' stage is not built yet", 3);
  });
}

import { Command } from 'commander';
import { StageError } from '../exit.ts';

// Placeholder until the 'evaluate-and-promote' stage lands; fails loudly rather than pretending.
export function evaluateAndPromoteCommand(): Command {
  return new Command('evaluate-and-promote').description('(not built yet)').action(() => {
    throw new StageError("the 'evaluate-and-promote' stage is not built yet", 3);
  });
}

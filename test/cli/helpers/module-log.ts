// Preloaded with `node --import` by test/cli/startup.test.ts: appends every module a thread loads from disk (its
// file URL, after the thread's id) to the file MM_MODULE_LOG names. Worker threads inherit --import, so each
// thread of the process logs its own loads.
import { appendFileSync } from 'node:fs';
import module from 'node:module';
import { threadId } from 'node:worker_threads';

const log = process.env.MM_MODULE_LOG;
if (log) {
  module.registerHooks({
    load(url, context, nextLoad) {
      const loaded = nextLoad(url, context);
      if (url.startsWith('file:')) appendFileSync(log, `${threadId} ${url}\n`);
      return loaded;
    },
  });
}

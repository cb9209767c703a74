// Where the CPU time goes: sums the self time of every .cpuprofile in a folder (main thread and each worker
// thread write one with `node --cpu-prof --cpu-prof-dir=<dir>`) by area of the code.
//   node --cpu-prof --cpu-prof-dir=.mm/prof bench/train.ts M --peer 0 && node bench/profile-summary.ts .mm/prof
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The area a function belongs to, from its source file (or V8's pseudo-frames). */
function areaOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)' || functionName === '(program)') return `V8 ${functionName}`;
    return `native: ${functionName || '(anonymous)'}`;
  }
  const src = /\/src\/([^/]+)\/([^/]+)\.ts/.exec(url);
  if (src) return src[1] === 'models' ? `src/models/${src[2]}` : `src/${src[1]}`;
  if (url.includes('node_modules/')) return `npm ${/node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1]}`;
  if (url.startsWith('node:')) return `node core (${url.split('/')[0]!.replace('node:', '')})`;
  return path.basename(url);
}

const dir = process.argv[2] ?? '.mm/prof';
const totals = new Map<string, number>();
let all = 0;
for (const file of (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const area = areaOf(byId.get(id)!.callFrame);
    // A piscina worker waiting for its next task blocks in Atomics.wait: the wall-clock sampler counts it, the CPU
    // does not.
    if (area === 'V8 (idle)' || byId.get(id)!.callFrame.functionName === 'atomicsWaitLoop') return;
    const us = profile.timeDeltas[i] ?? 0;
    totals.set(area, (totals.get(area) ?? 0) + us);
    all += us;
  });
}
console.log(`| area | CPU s | share |\n|---|---:|---:|`);
for (const [area, us] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`| ${area} | ${(us / 1e6).toFixed(2)} | ${((100 * us) / all).toFixed(1)} % |`);
}
console.log(`| all sampled (idle excluded) | ${(all / 1e6).toFixed(2)} | |`);

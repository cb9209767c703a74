/**
 * The rehearsal's table, counted from the twin's own request logs (ARM gate, HNS proxy, managed identity
 * endpoint) over the time a step ran: what the step and every process it caused (cluster nodes included) asked
 * Azure for, and which refusals it met. A refusal "survived" is one the step met and still exited 0.
 */
export interface CallRecord {
  /**
   * 'storage' (a lake), 'arm' (Resource Manager / Azure ML), 'registry' (a container registry: token exchanges,
   * pushes and pulls), 'token' (Entra ID / managed identity) or 'sql' (a login or batch on Synapse SQL).
   */
  service: 'storage' | 'arm' | 'registry' | 'token' | 'sql';
  /** HTTP status; for 'sql' 0, or the number of the first SQL error the login or batch met. */
  status: number;
  /** Lake account for storage calls. */
  account?: string;
  method?: string;
}

export interface StepReport {
  stage: string;
  step: string;
  identity: string;
  exitCode: number;
  seconds: number;
  calls: CallRecord[];
  /** Why the step did not run: the twin cannot stand in for it, or an earlier step failed. */
  notRun?: string;
  /** Where the cluster jobs the step submitted ran their processes (an image and its digest, or `host`). */
  nodes?: string[];
}

/** `localhost/mm-runtime:local@sha256:0123456789ab...` -> `localhost/mm-runtime:local@sha256:0123456789ab`. */
function shortDigest(where: string): string {
  return where.replace(/@sha256:([0-9a-f]{12})[0-9a-f]+/, '@sha256:$1');
}

const REFUSALS = [403, 409, 429] as const;

export function summarise(calls: CallRecord[]) {
  const lakes = new Map<string, Set<'r' | 'w'>>();
  for (const c of calls) {
    if (c.service !== 'storage' || !c.account) continue;
    const modes = lakes.get(c.account) ?? new Set();
    modes.add(c.method === 'GET' || c.method === 'HEAD' ? 'r' : 'w');
    lakes.set(c.account, modes);
  }
  const count = (service: CallRecord['service']) => calls.filter((c) => c.service === service).length;
  const met = Object.fromEntries(
    REFUSALS.map((s) => [s, calls.filter((c) => c.status === s).length]),
  ) as Record<(typeof REFUSALS)[number], number>;
  return {
    lakes: [...lakes]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([account, modes]) => `${account} (${[...modes].sort().join('')})`),
    storage: count('storage'),
    arm: count('arm'),
    registry: count('registry'),
    tokens: count('token'),
    sql: count('sql'),
    /** SQL error numbers met (18456 login failed, 262 permission denied, ...), once each. */
    sqlErrors: [...new Set(calls.filter((c) => c.service === 'sql' && c.status !== 0).map((c) => c.status))],
    met,
  };
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `| ${r.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`).join('\n');
}

/** A Markdown table: one row per step, in the order the pipeline ran them. */
export function formatTable(reports: StepReport[]): string {
  const header = [
    'stage',
    'step',
    'identity',
    'lake(s) touched',
    'calls (lake/ARM/ACR/token/SQL)',
    '403/429/409 met',
    'SQL errors met',
    'cluster nodes ran in',
    'result',
    'seconds',
  ];
  const rows = reports.map((r) => {
    const s = summarise(r.calls);
    const met = `${s.met[403]}/${s.met[429]}/${s.met[409]}`;
    const refused = s.met[403] + s.met[429] + s.met[409] + s.sqlErrors.length;
    const result = r.notRun
      ? `not run: ${r.notRun}`
      : r.exitCode === 0
        ? refused > 0
          ? 'passed (survived)'
          : 'passed'
        : `FAILED (exit ${r.exitCode})`;
    return [
      r.stage,
      r.step,
      r.identity,
      s.lakes.join(', ') || '-',
      `${s.storage}/${s.arm}/${s.registry}/${s.tokens}/${s.sql}`,
      met,
      s.sqlErrors.join(', ') || '-',
      [...new Set(r.nodes ?? [])].map(shortDigest).join(', ') || '-',
      result,
      r.seconds.toFixed(1),
    ];
  });
  return pad([header, header.map((h) => '-'.repeat(h.length)), ...rows]);
}

import type { DatasetProblem } from './checks.ts';
import type { PartitionProblem, PreparedStatus } from './classify.ts';

export interface ExcludedPartition {
  name: string;
  /** Raw key: column -> value. */
  key: Record<string, string>;
  status: Exclude<PreparedStatus, 'ok'>;
  problems: PartitionProblem[];
}

/** The machine-readable validation report (`prepared/validation.json`); the terminal shows its summary. */
export interface ValidationReport {
  schemaVersion: 1;
  source: string;
  createdAt: string;
  passed: boolean;
  /** Why it failed, when it did. */
  failure?: string;
  rows: number;
  partitions: { total: number; ok: number; excluded: number };
  excludedShare: number;
  maxFailedShare: number;
  /** Partitions whose gaps were filled or whose features were carried forward, and how many periods were added. */
  filled: { partitions: number; periods: number };
  byStatus: Partial<Record<PreparedStatus, number>>;
  datasetProblems: DatasetProblem[];
  excluded: ExcludedPartition[];
}

export function emptyReport(source: string, maxFailedShare: number): ValidationReport {
  return {
    schemaVersion: 1,
    source,
    createdAt: new Date().toISOString(),
    passed: false,
    rows: 0,
    partitions: { total: 0, ok: 0, excluded: 0 },
    excludedShare: 0,
    maxFailedShare,
    filled: { partitions: 0, periods: 0 },
    byStatus: {},
    datasetProblems: [],
    excluded: [],
  };
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

export function describeKey(key: Record<string, string>): string {
  return Object.entries(key)
    .map(([column, value]) => `${column}=${JSON.stringify(value)}`)
    .join(', ');
}

/** One line per excluded partition: where (key) and what (each problem). */
export function excludedLines(report: ValidationReport, limit: number, reportFile?: string): string[] {
  const lines = report.excluded
    .slice(0, limit)
    .map((p) => `partition ${describeKey(p.key)}: ${p.problems.map((q) => q.message).join('; ')}`);
  if (report.excluded.length > limit)
    lines.push(
      `... and ${report.excluded.length - limit} more (see ${reportFile ?? 'the validation report'})`,
    );
  return lines;
}

/** The terminal summary of a report. */
export function formatReport(report: ValidationReport, limit = 20): string {
  const lines = [
    `validation ${report.passed ? 'passed' : 'FAILED'}: ${report.source}`,
    `  ${report.rows} rows, ${report.partitions.total} partitions: ${report.partitions.ok} ok, ${report.partitions.excluded} excluded (${pct(report.excludedShare)}; allowed ${pct(report.maxFailedShare)})`,
  ];
  if (report.filled.partitions > 0) {
    lines.push(
      `  filled ${report.filled.periods} missing period(s) in ${report.filled.partitions} partition(s) (target NaN, features carried forward)`,
    );
  }
  for (const problem of report.datasetProblems) lines.push(`  - ${problem.message}`);
  for (const line of excludedLines(report, limit)) lines.push(`  - ${line}`);
  if (report.failure) lines.push(`  ${report.failure}`);
  return lines.join('\n');
}

// Evaluates Azure DevOps runtime conditions (`and(succeeded(), eq(variables['Build.Reason'], 'PullRequest'))`)
// for one scenario, so the tests can say which stages and steps a pull request, a merge or a dry run executes.
// Covers the functions the pipelines use; anything else is an error rather than a guess. Like Azure DevOps,
// string comparison ignores case. Status functions see whether the dependencies ran (a skipped dependency does
// not count as succeeded, as in Azure DevOps); nothing is assumed to fail.

export type Value = string | boolean | number;

export interface Scenario {
  /** Runtime variables: predefined ones (Build.Reason, Build.SourceBranch) and the pipeline's own. */
  variables: Record<string, string>;
  /** False when a dependency was skipped; then succeeded() is false. Defaults to true. */
  dependenciesSucceeded?: boolean;
}

interface Cursor {
  text: string;
  pos: number;
}

function skip(c: Cursor) {
  while (c.pos < c.text.length && /\s/.test(c.text[c.pos]!)) c.pos++;
}

function expect(c: Cursor, ch: string) {
  skip(c);
  if (c.text[c.pos] !== ch) throw new Error(`condition '${c.text}': expected '${ch}' at ${c.pos}`);
  c.pos++;
}

function lookup(name: string, scenario: Scenario): string {
  const key = Object.keys(scenario.variables).find((k) => k.toLowerCase() === name.toLowerCase());
  // Azure DevOps yields null for an unknown variable, which compares equal to ''.
  return key === undefined ? '' : scenario.variables[key]!;
}

const asString = (v: Value) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));

function truthy(v: Value): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  return v.length > 0;
}

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'boolean')
    return a === (typeof b === 'boolean' ? b : asString(b).toLowerCase() === 'true');
  return asString(a).toLowerCase() === asString(b).toLowerCase();
}

const functions = (scenario: Scenario): Record<string, (args: Value[]) => Value> => ({
  and: (a) => a.every(truthy),
  or: (a) => a.some(truthy),
  not: (a) => !truthy(a[0]!),
  eq: (a) => equal(a[0]!, a[1]!),
  ne: (a) => !equal(a[0]!, a[1]!),
  in: (a) => a.slice(1).some((v) => equal(a[0]!, v)),
  notIn: (a) => !a.slice(1).some((v) => equal(a[0]!, v)),
  startsWith: (a) => asString(a[0]!).toLowerCase().startsWith(asString(a[1]!).toLowerCase()),
  endsWith: (a) => asString(a[0]!).toLowerCase().endsWith(asString(a[1]!).toLowerCase()),
  contains: (a) => asString(a[0]!).toLowerCase().includes(asString(a[1]!).toLowerCase()),
  succeeded: () => scenario.dependenciesSucceeded !== false,
  succeededOrFailed: () => scenario.dependenciesSucceeded !== false,
  always: () => true,
  failed: () => false,
  canceled: () => false,
});

function parseValue(c: Cursor, scenario: Scenario): Value {
  skip(c);
  const rest = c.text.slice(c.pos);
  if (rest.startsWith("'")) {
    let out = '';
    c.pos++;
    for (;;) {
      const ch = c.text[c.pos++];
      if (ch === undefined) throw new Error(`condition '${c.text}': unterminated string`);
      if (ch === "'") {
        if (c.text[c.pos] === "'") {
          out += "'";
          c.pos++;
        } else return out;
      } else out += ch;
    }
  }
  const variable = /^variables(?:\.([\w.]+)|\['([^']+)'\])/.exec(rest);
  if (variable) {
    c.pos += variable[0].length;
    return lookup((variable[1] ?? variable[2])!, scenario);
  }
  const literal = /^(true|false|-?\d+(?:\.\d+)?)\b/i.exec(rest);
  if (literal) {
    c.pos += literal[0].length;
    const word = literal[1]!.toLowerCase();
    return word === 'true' ? true : word === 'false' ? false : Number(word);
  }
  const call = /^([A-Za-z]+)\s*\(/.exec(rest);
  if (!call) throw new Error(`condition '${c.text}': cannot read '${rest.slice(0, 20)}'`);
  const table = functions(scenario);
  const fn = Object.hasOwn(table, call[1]!) ? table[call[1]!] : undefined;
  if (!fn) throw new Error(`condition '${c.text}': function '${call[1]}' is not supported by this evaluator`);
  c.pos += call[0].length;
  const args: Value[] = [];
  skip(c);
  if (c.text[c.pos] === ')') c.pos++;
  else {
    for (;;) {
      args.push(parseValue(c, scenario));
      skip(c);
      if (c.text[c.pos] === ',') c.pos++;
      else break;
    }
    expect(c, ')');
  }
  return fn(args);
}

/** True when the condition lets the stage, job or step run; no condition means `succeeded()`. */
export function evaluateCondition(condition: unknown, scenario: Scenario): boolean {
  if (condition === undefined || condition === null) return true;
  const c: Cursor = { text: String(condition), pos: 0 };
  const value = parseValue(c, scenario);
  skip(c);
  if (c.pos !== c.text.length) throw new Error(`condition '${c.text}': unexpected '${c.text.slice(c.pos)}'`);
  return truthy(value);
}

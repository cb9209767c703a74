import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The seam of ARCHITECTURE.md: a command parses options, calls one stage and lets its error carry the exit code.
 * Where a stage computes and how it sees the lake is decided in src/stages/context.ts, never in a command.
 */
const COMMANDS = path.resolve(import.meta.dirname, '../../src/cli/commands');
const FORBIDDEN_IMPORTS = /\/(azure|storage|compute|lake|registry|engine|scoring|promotion|data)\//;
const FORBIDDEN_PROPERTIES = new Set(['kind', 'storage', 'compute', 'engine']);

function inspect(file: string) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const imports: string[] = [];
  const properties: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      imports.push(node.moduleSpecifier.text);
    }
    // A command imports its stage when it runs (test/cli/startup.test.ts): `import('…')` obeys the same seam.
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      imports.push(node.arguments[0].text);
    }
    if (ts.isPropertyAccessExpression(node) && FORBIDDEN_PROPERTIES.has(node.name.text)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      properties.push(`${node.getText()} (line ${line})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { imports, properties };
}

describe('the CLI commands', () => {
  const files = readdirSync(COMMANDS).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s reads no storage, compute or engine kind', (file) => {
    expect(inspect(path.join(COMMANDS, file)).properties).toEqual([]);
  });

  it.each(files)('%s reaches the library only through a stage (or generate, which has none)', (file) => {
    const reached = inspect(path.join(COMMANDS, file)).imports.filter((i) => FORBIDDEN_IMPORTS.test(i));
    expect(reached).toEqual([]);
  });
});

// A scan for credentials written into pipeline files. Two kinds of evidence: text that looks like a key, token
// or connection string wherever it appears, and a secret-named setting (variable, env, input, shell assignment)
// whose value is a literal rather than a reference to the service connection or the Key Vault-linked group.

export interface Finding {
  file: string;
  line: number;
  rule: string;
  excerpt: string;
}

const KEY_LIKE: { rule: string; pattern: RegExp }[] = [
  { rule: 'storage account key', pattern: /[A-Za-z0-9+/]{86}==/ },
  { rule: 'connection string key', pattern: /(AccountKey|SharedAccessKey)=[^;\s'"]+/i },
  { rule: 'SAS signature', pattern: /[?&]sig=[A-Za-z0-9%+/=]{16,}/ },
  { rule: 'JSON web token', pattern: /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { rule: 'private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { rule: 'Entra ID client secret', pattern: /\b[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}\b/ },
  { rule: 'Azure DevOps personal access token', pattern: /\b[a-z2-7]{52}\b/ },
  {
    rule: 'hard-coded GUID (tenant, subscription and client ids belong to the service connection)',
    pattern: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i,
  },
];

const SECRET_NAME =
  /(secret|password|passwd|pwd|token|passphrase|api[_-]?key|access[_-]?key|account[_-]?key|credential)/i;

/** Names that match SECRET_NAME but carry no secret. */
const NOT_SECRETS = new Set(['AZURE_TOKEN_CREDENTIALS']);

const secretNamed = (name: string) => SECRET_NAME.test(name) && !NOT_SECRETS.has(name);

/** A value that refers to a secret instead of holding one: $(macro), ${{ expression }}, $[ runtime ], $shell. */
export function isReference(value: string): boolean {
  const v = value.trim().replace(/^["']|["']$/g, '');
  return v === '' || /^(\$\([^)]+\)|\$\{\{.*\}\}|\$\[.*\]|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)$/.test(v);
}

// `name: value` in YAML, `NAME=value` / `export NAME=value` in shell.
const YAML_SETTING = /^\s*-?\s*(?:name:\s*)?([A-Za-z_][\w.-]*)\s*:\s*(.+?)\s*$/;
const SHELL_ASSIGNMENT = /(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S+)/g;

export function scanText(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.replace(/\s+#.*$/, '');
    const at = (rule: string) =>
      findings.push({ file, line: index + 1, rule, excerpt: raw.trim().slice(0, 120) });
    for (const { rule, pattern } of KEY_LIKE) if (pattern.test(line)) at(rule);
    const setting = YAML_SETTING.exec(line);
    if (setting && secretNamed(setting[1]!) && !isReference(setting[2]!) && !/^[|>]-?$/.test(setting[2]!)) {
      at(`literal value for secret-named setting '${setting[1]}'`);
    }
    // `- name: X` followed by `value: literal` on the next line.
    const named = /^\s*-\s*name:\s*(\S+)/.exec(line);
    const next = /^\s*value:\s*(.+?)\s*$/.exec(lines[index + 1] ?? '');
    if (named && next && secretNamed(named[1]!) && !isReference(next[1]!)) {
      at(`literal value for secret-named variable '${named[1]}'`);
    }
    for (const m of line.matchAll(SHELL_ASSIGNMENT)) {
      if (secretNamed(m[1]!) && !isReference(m[2]!)) at(`literal value for secret-named '${m[1]}'`);
    }
  });
  return findings;
}

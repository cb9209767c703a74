import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Runs the policy pack the way the Pulumi CLI does — Pulumi's own policy-pack runtime
 * (@pulumi/pulumi/cmd/run-policy-pack, ts-node registration included) serving the analyzer gRPC protocol — and
 * talks to it with the CLI's generated gRPC client. Only the CLI itself is missing.
 */

// The wire libraries are resolved where @pulumi/policy resolves them, not as direct dependencies of the repo.
const policyRequire = createRequire(createRequire(import.meta.url).resolve('@pulumi/policy'));

interface Message {
  serializeBinary(): Uint8Array;
}
interface StructCtor {
  fromJavaScript(value: Record<string, unknown>): Message;
}
interface AnalyzeRequestMsg extends Message {
  setType(v: string): void;
  setName(v: string): void;
  setUrn(v: string): void;
  setProperties(v: Message): void;
  setOptions(v: Message): void;
}
interface DiagnosticMsg {
  getPolicyname(): string;
  getMessage(): string;
  getEnforcementlevel(): number;
}
interface AnalyzeResponseMsg {
  getDiagnosticsList(): DiagnosticMsg[];
}
interface PolicyInfoMsg {
  getName(): string;
  getEnforcementlevel(): number;
}
interface AnalyzerInfoMsg {
  getName(): string;
  getVersion(): string;
  getPoliciesList(): PolicyInfoMsg[];
}
interface PolicyConfigMsg extends Message {
  setEnforcementlevel(v: number): void;
  setProperties(v: Message): void;
}
interface ConfigureRequestMsg extends Message {
  getPolicyconfigMap(): { set(key: string, value: PolicyConfigMsg): void };
}
type Callback<T> = (error: Error | null, response: T) => void;
interface AnalyzerClient {
  analyze(request: AnalyzeRequestMsg, callback: Callback<AnalyzeResponseMsg>): void;
  getAnalyzerInfo(request: Message, callback: Callback<AnalyzerInfoMsg>): void;
  configure(request: ConfigureRequestMsg, callback: Callback<Message>): void;
  close(): void;
}

const grpc = policyRequire('@grpc/grpc-js') as { credentials: { createInsecure(): unknown } };
const analyzerPb = policyRequire('@pulumi/pulumi/proto/analyzer_pb') as {
  AnalyzeRequest: new () => AnalyzeRequestMsg;
  AnalyzerResourceOptions: new () => Message;
  ConfigureAnalyzerRequest: new () => ConfigureRequestMsg;
  PolicyConfig: new () => PolicyConfigMsg;
  EnforcementLevel: Record<'ADVISORY' | 'MANDATORY' | 'DISABLED' | 'REMEDIATE', number>;
};
const analyzerGrpc = policyRequire('@pulumi/pulumi/proto/analyzer_grpc_pb') as {
  AnalyzerClient: new (address: string, credentials: unknown) => AnalyzerClient;
};
const { Struct } = policyRequire('google-protobuf/google/protobuf/struct_pb') as { Struct: StructCtor };
const { Empty } = policyRequire('google-protobuf/google/protobuf/empty_pb') as { Empty: new () => Message };

export const ENFORCEMENT = analyzerPb.EnforcementLevel;

export interface Diagnostic {
  policy: string;
  message: string;
  enforcement: number;
}

function call<Req, Res>(fn: (req: Req, cb: Callback<Res>) => void, request: Req): Promise<Res> {
  return new Promise((resolve, reject) =>
    fn(request, (error, response) => (error ? reject(error) : resolve(response))),
  );
}

export class RunningPack {
  readonly process: ChildProcess;
  readonly client: AnalyzerClient;

  private constructor(process: ChildProcess, port: number) {
    this.process = process;
    this.client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }

  /** Starts the runtime on a pack folder and waits for the port it prints (as the CLI does). */
  static async start(packDir: string, timeoutMs = 60_000): Promise<RunningPack> {
    const runner = path.join(
      path.dirname(createRequire(import.meta.url).resolve('@pulumi/pulumi')),
      'cmd/run-policy-pack',
    );
    // The engine address is ignored by the policy runtime; the pack serves on a port it picks and prints.
    const child = spawn(process.execPath, [runner, '127.0.0.1:0', '.'], {
      cwd: packDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`policy pack did not start in ${timeoutMs} ms:\n${stderr}`)),
        timeoutMs,
      );
      child.stdout?.on('data', (chunk) => {
        const match = /^(\d+)\s*$/m.exec(String(chunk));
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`policy pack exited with code ${code} before serving:\n${stderr}`));
      });
    });
    return new RunningPack(child, port);
  }

  async info(): Promise<{
    name: string;
    version: string;
    policies: { name: string; enforcement: number }[];
  }> {
    const info = await call(this.client.getAnalyzerInfo.bind(this.client), new Empty());
    return {
      name: info.getName(),
      version: info.getVersion(),
      policies: info
        .getPoliciesList()
        .map((p) => ({ name: p.getName(), enforcement: p.getEnforcementlevel() })),
    };
  }

  /** Sends `--policy-pack-config` the way the CLI does, one section per policy. */
  async configure(config: Record<string, Record<string, unknown>>): Promise<void> {
    const request = new analyzerPb.ConfigureAnalyzerRequest();
    for (const [policy, properties] of Object.entries(config)) {
      const entry = new analyzerPb.PolicyConfig();
      entry.setEnforcementlevel(ENFORCEMENT.MANDATORY);
      entry.setProperties(Struct.fromJavaScript(properties));
      request.getPolicyconfigMap().set(policy, entry);
    }
    await call(this.client.configure.bind(this.client), request);
  }

  async analyze(
    type: string,
    name: string,
    props: Record<string, unknown>,
    stack = 'prod',
  ): Promise<Diagnostic[]> {
    const request = new analyzerPb.AnalyzeRequest();
    request.setType(type);
    request.setName(name);
    request.setUrn(`urn:pulumi:${stack}::many-models::${type}::${name}`);
    request.setProperties(Struct.fromJavaScript(props));
    request.setOptions(new analyzerPb.AnalyzerResourceOptions());
    const response = await call(this.client.analyze.bind(this.client), request);
    return response.getDiagnosticsList().map((d) => ({
      policy: d.getPolicyname(),
      message: d.getMessage(),
      enforcement: d.getEnforcementlevel(),
    }));
  }

  stop(): void {
    this.client.close();
    this.process.kill();
  }
}

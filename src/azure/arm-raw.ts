import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import type { CallOptions } from './aml-client.ts';

/**
 * A PUT through the generated client's own pipeline (its credential, retry, TLS and user-agent policies) with a body
 * we serialise ourselves. Needed for jobs: @azure/arm-machinelearning 2.1.1 registers uri_file/uri_folder inputs
 * and outputs under the wrong discriminator key, so its serializer drops their `uri` and `mode`
 * (Azure/azure-sdk-for-js#29328) and a job would lose its lake mount. Errors come back as the SDK's RestError so
 * `explainAzureError` treats them like any other call's.
 */
export async function armPut<T>(
  client: AzureMachineLearningWorkspaces,
  resourcePath: string,
  body: unknown,
  call: CallOptions,
): Promise<T> {
  const request = createPipelineRequest({
    url: `${client.$host}${resourcePath}?api-version=${encodeURIComponent(client.apiVersion)}`,
    method: 'PUT',
    body: JSON.stringify(body),
    abortSignal: call.abortSignal,
    timeout: call.requestOptions.timeout,
  });
  request.headers.set('content-type', 'application/json; charset=utf-8');
  request.headers.set('accept', 'application/json');
  const response = await client.sendRequest(request);
  const text = response.bodyAsText ?? '';
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.status >= 200 && response.status < 300) return parsed as T;
  const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
  throw new RestError(error?.message ?? (text.slice(0, 300) || `HTTP ${response.status}`), {
    code: error?.code,
    statusCode: response.status,
    request,
    response,
  });
}

/** An error that maps to one HTTP status and a message meant for the caller. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly statusCode: number;
  /** Located problems (field: what is wrong) for a 400. */
  readonly issues: readonly string[] | undefined;
  /** Response headers the status calls for (e.g. `WWW-Authenticate` on a 401). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    statusCode: number,
    message: string,
    issues?: readonly string[],
    headers: Readonly<Record<string, string>> = {},
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.statusCode = statusCode;
    this.issues = issues;
    this.headers = headers;
  }
}

/** The JSON body of every error response. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  issues?: string[];
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function errorBody(statusCode: number, message: string, issues?: readonly string[]): ErrorBody {
  const body: ErrorBody = { statusCode, error: REASONS[statusCode] ?? 'Error', message };
  if (issues && issues.length > 0) body.issues = [...issues];
  return body;
}

/**
 * Error text that may reach a caller, with absolute file paths replaced: a message from the file system or a
 * library must not tell a client where the server keeps its data.
 */
export function withoutPaths(message: string): string {
  return message
    .replace(/file:\/\/\S+/g, '<path>')
    .replace(/(?:[A-Za-z]:)?(?:[\\/][^\s'"`:,;()[\]{}<>]+){2,}/g, '<path>');
}

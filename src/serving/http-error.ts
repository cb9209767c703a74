/** An error that maps to one HTTP status and a message meant for the caller. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly statusCode: number;
  /** Located problems (field: what is wrong) for a 400. */
  readonly issues: readonly string[] | undefined;

  constructor(statusCode: number, message: string, issues?: readonly string[]) {
    super(message);
    this.statusCode = statusCode;
    this.issues = issues;
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

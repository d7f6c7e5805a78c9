import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config.js';

export type { Logger };

/**
 * Structured JSON logs. Secrets and webhook bodies must never be logged: callers log ids,
 * sizes and reasons only, and these paths are redacted as a second line of defence.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'compilot-ledger' },
    redact: {
      paths: [
        'secret',
        'secrets',
        'apiKey',
        'token',
        'authorization',
        'headers.authorization',
        'req.headers.authorization',
        'body',
        'rawBody',
        'config.webhookSecrets',
        'config.compilotApi.key',
        'config.queryApiTokens',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

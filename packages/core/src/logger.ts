/**
 * A structured logger interface. Libraries accept one and default to
 * `noopLogger`; daemons plug in pino (its methods have a compatible shape).
 */

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(fields: LogFields, msg?: string): void;
  info(fields: LogFields, msg?: string): void;
  warn(fields: LogFields, msg?: string): void;
  error(fields: LogFields, msg?: string): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export const noopLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => noopLogger,
};

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/**
 * A dependency-free JSON-lines logger (one object per line: `level`, `time`,
 * `msg`, fields). Daemons may use it or pino.
 */
export function jsonLogger(options: { level?: LogLevel; write?: (line: string) => void; fields?: LogFields; now?: () => number } = {}): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = options.now ?? (() => Date.now());
  const base = options.fields ?? {};
  const make = (ctx: LogFields): Logger => {
    const log = (level: LogLevel) => (fields: LogFields, msg?: string) => {
      if (LEVELS[level] < min) return;
      const rec: LogFields = { level, time: new Date(now()).toISOString(), ...ctx, ...fields };
      if (msg !== undefined) rec.msg = msg;
      write(JSON.stringify(rec, errorReplacer));
    };
    return {
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (fields) => make({ ...ctx, ...fields }),
    };
  };
  return make(base);
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    if ('code' in value) out.code = (value as { code: unknown }).code;
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

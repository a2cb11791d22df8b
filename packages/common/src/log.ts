import type { ErrorLocation } from './errors.js';

/**
 * How the library talks to whoever runs it. The GitHub adapter maps this onto
 * @actions/core (annotations, masking); the CLI maps it onto the terminal.
 * The library never imports @actions/* itself.
 */
export interface Log {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string, where?: ErrorLocation): void;
  error(message: string, where?: ErrorLocation): void;
  /** Register a secret so that it is masked in everything printed from now on. */
  setSecret(secret: string): void;
}

/** Masks registered secrets in text; shared by every Log implementation. */
export class SecretMasker {
  private readonly secrets = new Set<string>();

  add(secret: string): void {
    if (secret && secret.length >= 3) this.secrets.add(secret);
  }

  mask(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return out;
  }
}

/** A Log that prints to stderr (the CLI's, and the default for library calls). */
export function consoleLog(options: { verbose?: boolean } = {}): Log {
  const masker = new SecretMasker();
  const write = (prefix: string, message: string) => process.stderr.write(`${prefix}${masker.mask(message)}\n`);
  return {
    debug: (m) => { if (options.verbose) write('debug: ', m); },
    info: (m) => write('', m),
    warning: (m, w) => write(`warning: ${w?.file ? `${w.file}: ` : ''}`, m),
    error: (m, w) => write(`error: ${w?.file ? `${w.file}: ` : ''}`, m),
    setSecret: (s) => masker.add(s)
  };
}

/** A Log that drops everything but still remembers nothing: for tests and quiet callers. */
export const silentLog: Log = {
  debug: () => {},
  info: () => {},
  warning: () => {},
  error: () => {},
  setSecret: () => {}
};

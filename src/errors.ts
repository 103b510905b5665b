/**
 * Errors for configuration and API misuse. Fast paths never throw: they return what the
 * real API returns (an index or -1, a count, a negative errno). Everything a user can get
 * wrong on the command line or in a config ends here, with a code and a sentence that
 * names the field and what is allowed.
 */
export type MemraceErrorCode =
  | 'E_CONFIG'
  | 'E_UNKNOWN'
  | 'E_LAYOUT'
  | 'E_ACTOR_CRASHED'
  | 'E_ACTOR_HUNG'
  | 'E_SCHEDULE'
  | 'E_USAGE';

export class MemraceError extends Error {
  readonly code: MemraceErrorCode;
  constructor(code: MemraceErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value is out of range or malformed. */
export class ConfigError extends MemraceError {
  readonly field: string;
  readonly allowed: string;
  constructor(field: string, problem: string, allowed: string) {
    super('E_CONFIG', `${field}: ${problem} (allowed: ${allowed})`);
    this.field = field;
    this.allowed = allowed;
  }
}

/** A name (scenario, variant, mode, suite) that is not one of the known ones. */
export class UnknownNameError extends MemraceError {
  readonly field: string;
  constructor(field: string, got: string, known: readonly string[]) {
    super('E_UNKNOWN', `${field}: unknown value '${got}' (allowed: ${known.join(', ')})`);
    this.field = field;
  }
}

/** An actor (worker thread) crashed or stopped answering; names the actor and what it did. */
export class ActorFailure extends MemraceError {
  constructor(
    code: 'E_ACTOR_CRASHED' | 'E_ACTOR_HUNG',
    readonly actor: number,
    readonly role: string,
    readonly lastOp: string,
    detail: string,
  ) {
    super(code, `actor ${actor} (${role}) ${code === 'E_ACTOR_HUNG' ? 'hung' : 'crashed'} during '${lastOp}': ${detail}`);
  }
}

/** Negative errno values, as the real APIs return them. */
export const ENOENT = 2;
export const ESRCH = 3;
export const ENOMEM = 12;
export const EACCES = 13;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ERANGE = 34;
export const ENOBUFS = 105;
export const EOVERFLOW = 75;
export const EEXIST = 17;
export const EBUSY = 16;
export const ENAMETOOLONG = 36;

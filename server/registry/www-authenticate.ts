/**
 * `WWW-Authenticate` parsing (RFC 7235 §4.1 challenges, RFC 6750 §3 Bearer parameters).
 *
 * Registries quote parameter values that contain commas and spaces, e.g. distribution's
 * `scope="repository:tok/model:pull,push",error="insufficient_scope"` (test-environment.md §2.8), so a
 * split on commas is wrong: this is a small tokenizer over the RFC grammar.
 */

/** One challenge: a lower-cased scheme plus either auth-params (names lower-cased) or a token68. */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
  readonly token68?: string;
}

/** The parameters a Bearer challenge needs for the distribution token flow (oci-model-formats.md §5.2). */
export interface BearerChallenge {
  readonly realm: string;
  readonly service?: string;
  /** The space-separated `scope` value, split; empty when the challenge had none. */
  readonly scopes: readonly string[];
  /** RFC 6750 §3.1 error code, e.g. `insufficient_scope` or `invalid_token`. */
  readonly error?: string;
}

export class AuthenticateHeaderError extends Error {
  override readonly name = 'AuthenticateHeaderError';
  constructor(problem: string, position: number) {
    super(`malformed WWW-Authenticate header: ${problem} at character ${position}`);
  }
}

// RFC 7230 §3.2.6 tchar, and RFC 7235 §2.1 token68.
const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;
const WHITESPACE = /[ \t]*/y;
const LIST_SEPARATORS = /[ \t,]*/y;

/**
 * Parses every challenge in a `WWW-Authenticate` value (one header, or several joined with `, `).
 * Repeated parameters in one challenge are joined with a space, so several `scope=` params read like one
 * space-separated scope list. Throws {@link AuthenticateHeaderError} on text outside the grammar.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const reader = new Reader(header);
  const challenges: AuthChallenge[] = [];
  for (reader.skip(LIST_SEPARATORS); !reader.atEnd(); reader.skip(LIST_SEPARATORS)) {
    const scheme = reader.match(TOKEN);
    if (scheme === undefined) throw new AuthenticateHeaderError('expected an auth scheme', reader.position);
    challenges.push(readChallengeBody(reader, scheme.toLowerCase()));
  }
  return challenges;
}

function readChallengeBody(reader: Reader, scheme: string): AuthChallenge {
  const params: Record<string, string> = Object.create(null);
  reader.skip(WHITESPACE);
  const token68 = readToken68(reader);
  if (token68 !== undefined) return { scheme, params, token68 };
  for (;;) {
    const start = reader.position;
    const param = readParam(reader);
    if (param === undefined) {
      // Not `name=value`: the next challenge's scheme (or the end) begins here.
      reader.position = start;
      return { scheme, params };
    }
    const [name, value] = param;
    params[name] = name in params ? `${params[name]} ${value}` : value;
    reader.skip(WHITESPACE);
    if (reader.atEnd()) return { scheme, params };
    if (reader.peek() !== ',') throw new AuthenticateHeaderError('expected "," between parameters', reader.position);
    reader.skip(LIST_SEPARATORS);
  }
}

/**
 * A token68 stands alone: only the end or a list comma follows it. `realm="x"` also starts with TOKEN68
 * characters (`realm=`), but a value follows, so it is left for {@link readParam}.
 */
function readToken68(reader: Reader): string | undefined {
  const start = reader.position;
  const candidate = reader.match(TOKEN68);
  if (candidate !== undefined) {
    reader.skip(WHITESPACE);
    if (reader.atEnd() || reader.peek() === ',') return candidate;
  }
  reader.position = start;
  return undefined;
}

function readParam(reader: Reader): [string, string] | undefined {
  const name = reader.match(TOKEN);
  if (name === undefined) return undefined;
  reader.skip(WHITESPACE);
  if (reader.peek() !== '=') return undefined;
  reader.position += 1;
  reader.skip(WHITESPACE);
  const value = reader.peek() === '"' ? readQuoted(reader) : reader.match(TOKEN);
  if (value === undefined) throw new AuthenticateHeaderError(`missing value for parameter "${name}"`, reader.position);
  return [name.toLowerCase(), value];
}

/** RFC 7230 §3.2.6 quoted-string with quoted-pairs (`\"`, `\\`). */
function readQuoted(reader: Reader): string {
  const start = reader.position;
  let value = '';
  for (let at = start + 1; at < reader.text.length; at++) {
    const ch = reader.text[at];
    if (ch === '"') {
      reader.position = at + 1;
      return value;
    }
    if (ch === '\\') {
      at++;
      if (at >= reader.text.length) break;
    }
    value += reader.text[at];
  }
  throw new AuthenticateHeaderError('unterminated quoted string', start);
}

class Reader {
  position = 0;
  constructor(readonly text: string) {}
  atEnd(): boolean {
    return this.position >= this.text.length;
  }
  peek(): string | undefined {
    return this.text[this.position];
  }
  match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.position;
    const found = pattern.exec(this.text);
    if (found === null || found[0] === '') return undefined;
    this.position += found[0].length;
    return found[0];
  }
  skip(pattern: RegExp): void {
    this.match(pattern);
  }
}

/** The first Bearer challenge with a realm, or undefined. */
export function findBearerChallenge(challenges: readonly AuthChallenge[]): BearerChallenge | undefined {
  for (const challenge of challenges) {
    const { realm, service, scope, error } = challenge.params;
    if (challenge.scheme !== 'bearer' || realm === undefined || realm === '') continue;
    return {
      realm,
      ...(service === undefined ? {} : { service }),
      scopes: scope === undefined ? [] : scope.split(' ').filter((s) => s !== ''),
      ...(error === undefined ? {} : { error }),
    };
  }
  return undefined;
}

/** True when one of the challenges is HTTP Basic (RFC 7617). */
export function hasBasicChallenge(challenges: readonly AuthChallenge[]): boolean {
  return challenges.some((c) => c.scheme === 'basic');
}

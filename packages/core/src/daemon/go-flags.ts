/**
 * Command lines in the syntax of Go's `flag` package, which the original
 * Flynn daemons used and which `discoverd` and `flynn-router` keep:
 * `-name value`, `-name=value`, the same with `--`, and booleans as `-name`,
 * `-name=true` or `-name=false` (Go's spellings: 1, t, true, TRUE, True and
 * 0, f, false, FALSE, False). No positional arguments.
 */

export interface GoFlagSpec<V extends string, B extends string> {
  /** Flags that take a value. */
  values: readonly V[];
  /** Boolean flags. */
  bools: readonly B[];
}

export interface GoFlags<V extends string, B extends string> {
  /** The last value given for each value flag that was given. */
  values: Map<V, string>;
  /** Each boolean flag that was given, with its value. */
  bools: Map<B, boolean>;
}

const TRUE = ['1', 't', 'true', 'TRUE', 'True'];
const FALSE = ['0', 'f', 'false', 'FALSE', 'False'];

/** Parses `argv`; a mistake throws `toError(message)` with Go's wording (`flag provided but not defined: -x`). */
export function parseGoFlags<V extends string, B extends string>(argv: readonly string[], spec: GoFlagSpec<V, B>, toError: (message: string) => Error): GoFlags<V, B> {
  const values = new Map<V, string>();
  const bools = new Map<B, boolean>();
  const isValue = (name: string): name is V => (spec.values as readonly string[]).includes(name);
  const isBool = (name: string): name is B => (spec.bools as readonly string[]).includes(name);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') throw toError(`unexpected argument ${JSON.stringify(arg)}`);
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    if (isBool(name)) {
      const text = inline ?? 'true';
      if (!TRUE.includes(text) && !FALSE.includes(text)) throw toError(`invalid boolean value ${JSON.stringify(text)} for -${name}`);
      bools.set(name, TRUE.includes(text));
    } else if (isValue(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw toError(`flag needs an argument: -${name}`);
      values.set(name, value);
    } else {
      throw toError(`flag provided but not defined: -${name}`);
    }
  }
  return { values, bools };
}

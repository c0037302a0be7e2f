/**
 * App names (reference §5.3): lowercase alphanumerics in dash-separated
 * groups, at most 100 characters. Apps created without a name get one from
 * {@link generatedAppName}, a bijection from a sequence number onto
 * `<adjective>-<animal>-<place>` names, so consecutive numbers do not give
 * similar names and no two numbers below {@link GENERATED_NAME_SPACE} give
 * the same name. (The word lists are ours, not the original's.)
 */
import { ADJECTIVES, ANIMALS, PLACES } from './word-lists.js';

export const APP_NAME_PATTERN = /^[a-z\d]+(-[a-z\d]+)*$/;
export const APP_NAME_MAX_LENGTH = 100;

/** Why `name` is not a valid app name, or undefined when it is. */
export function appNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > APP_NAME_MAX_LENGTH) return `must be at most ${APP_NAME_MAX_LENGTH} characters long`;
  if (!APP_NAME_PATTERN.test(name)) return `must match the pattern ${APP_NAME_PATTERN.source}`;
  return undefined;
}

/** How many distinct generated names there are. */
export const GENERATED_NAME_SPACE = ADJECTIVES.length * ANIMALS.length * PLACES.length;

/** A multiplier coprime with the name space, so `n * STRIDE mod space` is a permutation. */
const STRIDE = pickStride(GENERATED_NAME_SPACE);

/**
 * The generated name for sequence number `n` (a non-negative integer). `seed`
 * (the daemon's `NAME_SEED`) shifts the permutation so clusters differ.
 */
export function generatedAppName(n: number, seed = 0): string {
  const space = GENERATED_NAME_SPACE;
  const x = Number((BigInt(Math.trunc(n)) * BigInt(STRIDE) + BigInt(Math.trunc(seed))) % BigInt(space));
  const a = x % ADJECTIVES.length;
  const b = Math.floor(x / ADJECTIVES.length) % ANIMALS.length;
  const c = Math.floor(x / ADJECTIVES.length / ANIMALS.length) % PLACES.length;
  return `${ADJECTIVES[a]}-${ANIMALS[b]}-${PLACES[c]}`;
}

function pickStride(space: number): number {
  for (let s = Math.floor(space * 0.618) | 1; ; s += 2) if (gcd(s, space) === 1) return s;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

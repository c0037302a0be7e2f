/**
 * The manifest's template language: a small, safe subset of Go's
 * text/template (the original's manifests used Go templates). Pure: no I/O,
 * no code execution, no loops; the only outside input is `getenv`, which the
 * caller supplies.
 *
 *   {{ getenv "CLUSTER_DOMAIN" }}                  an environment variable ('' when unset)
 *   {{ .StepData.controller_key.data }}            a field of an earlier step's output
 *   {{ .Singleton }}                               "true" when the cluster runs one host
 *   {{ .SortedHostIPs }}                           the hosts' IPs, sorted, joined with ","
 *   {{ .SortedHostIPs | join " " }}                …or with another separator
 *   {{ getenv "PORT" | default "8080" }}           a fallback for an empty value
 *   {{ index .StepData "controller-key" "data" }}  fields whose names need quoting
 *   {{ json .StepData.controller_cert.Pin }}       a JSON-encoded value
 *   {{ .SortedHostIPs | format "%s:1111" | join "," }}   `%s` replaced by the value (each item of a list)
 *
 * Grammar: text with actions `{{ pipeline }}` (`{{- ` and ` -}}` trim the
 * whitespace on that side); a pipeline is commands separated by `|`, the
 * value of each passed as the last argument of the next; a command is a
 * function name with arguments, or one value (a "string", a `raw string`, a
 * number, true/false, a `.Field.path`, or a parenthesised pipeline).
 * Rendering: strings as they are, numbers and booleans as text, lists of
 * scalars joined with ","; objects and missing fields are errors.
 */
import { TemplateError } from './errors.js';
import { Lexer } from './template-lexer.js';

export { TemplateError } from './errors.js';

/** The dot of a template. */
export interface TemplateData {
  /** Outputs of the steps that ran, by step id. */
  StepData: Readonly<Record<string, unknown>>;
  Singleton: boolean;
  SortedHostIPs: readonly string[];
}

export interface TemplateContext {
  data: TemplateData;
  /** `getenv NAME`; undefined renders as ''. */
  getenv(name: string): string | undefined;
}


type Operand =
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'field'; path: string[] }
  | { kind: 'func'; name: string }
  | { kind: 'pipe'; pipeline: Pipeline };
type Command = Operand[];
type Pipeline = Command[];
type Node = { kind: 'text'; text: string } | { kind: 'action'; pipeline: Pipeline; source: string };

export const TEMPLATE_FUNCTIONS = ['getenv', 'default', 'join', 'json', 'index', 'format'] as const;

/** True when `text` contains an action (`{{`). */
export function hasTemplate(text: string): boolean {
  return text.includes('{{');
}

/** Parses a template; throws {@link TemplateError} for a syntax error. */
export function parseTemplate(text: string): Node[] {
  const nodes: Node[] = [];
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf('{{', pos);
    if (open === -1) {
      nodes.push({ kind: 'text', text: text.slice(pos) });
      break;
    }
    const close = findClose(text, open + 2);
    if (close === -1) throw new TemplateError(`unclosed action at offset ${open}: ${excerpt(text, open)}`);
    let before = text.slice(pos, open);
    let inner = text.slice(open + 2, close);
    if (/^-\s/.test(inner)) {
      before = before.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    let trimAfter = false;
    if (/\s-$/.test(inner)) {
      trimAfter = true;
      inner = inner.slice(0, -1);
    }
    if (before !== '') nodes.push({ kind: 'text', text: before });
    const source = text.slice(open, close + 2);
    const lexer = new Lexer(inner, source);
    const pipeline = parsePipeline(lexer);
    if (!lexer.done()) throw new TemplateError(`unexpected ${JSON.stringify(lexer.rest())} in ${source}`);
    if (pipeline.length === 0) throw new TemplateError(`empty action ${source}`);
    nodes.push({ kind: 'action', pipeline, source });
    pos = close + 2;
    if (trimAfter) while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  }
  return nodes;
}

/** Renders a template; throws {@link TemplateError} for a syntax or evaluation error. */
export function renderTemplate(text: string, ctx: TemplateContext): string {
  if (!hasTemplate(text)) return text;
  let out = '';
  for (const node of parseTemplate(text)) {
    if (node.kind === 'text') out += node.text;
    else out += renderValue(evalPipeline(node.pipeline, ctx, node.source), node.source);
  }
  return out;
}

export interface TemplateRefs {
  /** Step ids read through `.StepData.<id>` or `index .StepData "<id>"`. */
  steps: string[];
  /** Names passed to `getenv` as literals. */
  env: string[];
}

/** What a template reads, for checks before anything runs (step order, required env). */
export function templateRefs(text: string): TemplateRefs {
  const refs: TemplateRefs = { steps: [], env: [] };
  if (!hasTemplate(text)) return refs;
  const visit = (pipeline: Pipeline) => {
    for (const cmd of pipeline) {
      const [head, ...args] = cmd;
      if (head?.kind === 'func' && head.name === 'getenv' && args[0]?.kind === 'literal') refs.env.push(String(args[0].value));
      if (head?.kind === 'func' && head.name === 'index' && isStepDataField(args[0]) && args[1]?.kind === 'literal') refs.steps.push(String(args[1].value));
      for (const op of cmd) {
        if (op.kind === 'field' && op.path[0] === 'StepData' && op.path[1] !== undefined) refs.steps.push(op.path[1]);
        if (op.kind === 'pipe') visit(op.pipeline);
      }
    }
  };
  for (const node of parseTemplate(text)) if (node.kind === 'action') visit(node.pipeline);
  refs.steps = [...new Set(refs.steps)];
  refs.env = [...new Set(refs.env)];
  return refs;
}

function isStepDataField(op: Operand | undefined): boolean {
  return op?.kind === 'field' && op.path.length === 1 && op.path[0] === 'StepData';
}

function findClose(text: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === '`') quote = ch;
    else if (ch === '}' && text[i + 1] === '}') return i;
  }
  return -1;
}

function excerpt(text: string, at: number): string {
  const s = text.slice(at, at + 40);
  return JSON.stringify(s.length < text.length - at ? `${s}…` : s);
}

function parsePipeline(lx: Lexer): Pipeline {
  const pipeline: Pipeline = [];
  for (;;) {
    const cmd: Command = [];
    for (let t = lx.peek(); t && t.t !== 'pipe' && t.t !== 'rparen'; t = lx.peek()) cmd.push(parseOperand(lx));
    if (cmd.length === 0) {
      if (pipeline.length === 0 && lx.peek()?.t !== 'pipe') return pipeline;
      throw new TemplateError('missing command in pipeline');
    }
    pipeline.push(cmd);
    if (lx.peek()?.t !== 'pipe') return pipeline;
    lx.next();
  }
}

function parseOperand(lx: Lexer): Operand {
  const t = lx.next()!;
  switch (t.t) {
    case 'string':
    case 'number':
      return { kind: 'literal', value: t.v };
    case 'field':
      return { kind: 'field', path: t.v };
    case 'ident':
      if (t.v === 'true' || t.v === 'false') return { kind: 'literal', value: t.v === 'true' };
      if (!(TEMPLATE_FUNCTIONS as readonly string[]).includes(t.v)) {
        throw new TemplateError(`unknown function ${JSON.stringify(t.v)} (known: ${TEMPLATE_FUNCTIONS.join(', ')})`);
      }
      return { kind: 'func', name: t.v };
    case 'lparen': {
      const pipeline = parsePipeline(lx);
      if (lx.next()?.t !== 'rparen') throw new TemplateError('missing ")"');
      if (pipeline.length === 0) throw new TemplateError('empty parentheses');
      return { kind: 'pipe', pipeline };
    }
    default:
      throw new TemplateError(`unexpected ${t.t === 'pipe' ? '"|"' : '")"'}`);
  }
}

function evalPipeline(pipeline: Pipeline, ctx: TemplateContext, source: string): unknown {
  let value: unknown;
  let piped = false;
  for (const cmd of pipeline) {
    value = evalCommand(cmd, ctx, source, piped ? [value] : []);
    piped = true;
  }
  return value;
}

function evalCommand(cmd: Command, ctx: TemplateContext, source: string, piped: unknown[]): unknown {
  const [head, ...rest] = cmd;
  if (head?.kind !== 'func') {
    if (rest.length > 0 || piped.length > 0) throw new TemplateError(`${describe(head!)} is not a function and takes no arguments, in ${source}`);
    return evalOperand(head!, ctx, source);
  }
  const args = [...rest.map((op) => evalOperand(op, ctx, source)), ...piped];
  return callFunction(head.name, args, source, ctx);
}

function describe(op: Operand): string {
  if (op.kind === 'field') return `.${op.path.join('.')}`;
  if (op.kind === 'literal') return JSON.stringify(op.value);
  return 'a parenthesised pipeline';
}

function evalOperand(op: Operand, ctx: TemplateContext, source: string): unknown {
  switch (op.kind) {
    case 'literal':
      return op.value;
    case 'pipe':
      return evalPipeline(op.pipeline, ctx, source);
    case 'func':
      return callFunction(op.name, [], source, ctx);
    case 'field':
      return lookupPath(ctx.data, op.path, source);
  }
}

function lookupPath(root: unknown, path: readonly string[], source: string): unknown {
  let value = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const at = `.${path.slice(0, i + 1).join('.')}`;
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, key)) {
      if (i === 1 && path[0] === 'StepData') throw new TemplateError(`${at}: no output of a step "${key}" (only earlier steps' outputs can be read), in ${source}`);
      throw new TemplateError(`${at}: no field "${key}", in ${source}`);
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function callFunction(name: string, args: unknown[], source: string, ctx: TemplateContext): unknown {
  const arity = (n: number) => {
    if (args.length !== n) throw new TemplateError(`${name} takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}, in ${source}`);
  };
  switch (name) {
    case 'getenv': {
      arity(1);
      if (typeof args[0] !== 'string') throw new TemplateError(`getenv takes a variable name, in ${source}`);
      return ctx.getenv(args[0]) ?? '';
    }
    case 'default': {
      arity(2);
      return isEmpty(args[1]) ? args[0] : args[1];
    }
    case 'join': {
      arity(2);
      if (typeof args[0] !== 'string' || !Array.isArray(args[1])) throw new TemplateError(`join takes a separator and a list, in ${source}`);
      return args[1].map((v) => renderValue(v, source)).join(args[0]);
    }
    case 'json': {
      arity(1);
      return JSON.stringify(args[0] ?? null);
    }
    case 'format': {
      arity(2);
      if (typeof args[0] !== 'string') throw new TemplateError(`format takes a format string and a value, in ${source}`);
      const fmt = args[0];
      const one = (v: unknown) => fmt.split('%s').join(renderValue(v, source));
      return Array.isArray(args[1]) ? args[1].map(one) : one(args[1]);
    }
    case 'index': {
      if (args.length < 2) throw new TemplateError(`index takes a value and at least one key, in ${source}`);
      const keys = args.slice(1).map((k) => (typeof k === 'number' ? String(k) : k));
      if (!keys.every((k): k is string => typeof k === 'string')) throw new TemplateError(`index keys must be strings or numbers, in ${source}`);
      return lookupPath(args[0], keys, source);
    }
    default:
      throw new TemplateError(`unknown function ${JSON.stringify(name)}, in ${source}`);
  }
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === false || v === 0 || (Array.isArray(v) && v.length === 0);
}

function renderValue(v: unknown, source: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) return v.join(',');
    throw new TemplateError(`a list of objects cannot be rendered (use json), in ${source}`);
  }
  throw new TemplateError(`an object cannot be rendered (pick a field, or use json), in ${source}`);
}

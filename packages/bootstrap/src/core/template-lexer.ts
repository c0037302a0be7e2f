/** Tokens of a template action (`{{ … }}`): strings, numbers, names, `.field.paths`, `|`, parentheses. Pure. */
import { TemplateError } from './errors.js';

export type Token =
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'ident'; v: string }
  | { t: 'field'; v: string[] }
  | { t: 'pipe' }
  | { t: 'lparen' }
  | { t: 'rparen' };

export class Lexer {
  private pos = 0;
  private peeked: Token | undefined;

  constructor(
    private readonly src: string,
    private readonly action: string,
  ) {}

  done(): boolean {
    return this.peek() === undefined;
  }

  rest(): string {
    return this.src.slice(this.pos).trim();
  }

  peek(): Token | undefined {
    this.peeked ??= this.lex();
    return this.peeked;
  }

  next(): Token | undefined {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  private fail(message: string): never {
    throw new TemplateError(`${message} in ${this.action}`);
  }

  private lex(): Token | undefined {
    const s = this.src;
    while (this.pos < s.length && /\s/.test(s[this.pos]!)) this.pos++;
    if (this.pos >= s.length) return undefined;
    const ch = s[this.pos]!;
    if (ch === '|') return this.one({ t: 'pipe' });
    if (ch === '(') return this.one({ t: 'lparen' });
    if (ch === ')') return this.one({ t: 'rparen' });
    if (ch === '"') return { t: 'string', v: this.quoted() };
    if (ch === '`') {
      const end = s.indexOf('`', this.pos + 1);
      if (end === -1) this.fail('unterminated raw string');
      const v = s.slice(this.pos + 1, end);
      this.pos = end + 1;
      return { t: 'string', v };
    }
    if (ch === '.') {
      const m = /^\.(?:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)?/.exec(s.slice(this.pos))!;
      this.pos += m[0].length;
      return { t: 'field', v: m[0] === '.' ? [] : m[0].slice(1).split('.') };
    }
    const num = /^-?\d+(?:\.\d+)?/.exec(s.slice(this.pos));
    if (num) {
      this.pos += num[0].length;
      return { t: 'number', v: Number(num[0]) };
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.pos));
    if (id) {
      this.pos += id[0].length;
      return { t: 'ident', v: id[0] };
    }
    return this.fail(`unexpected character ${JSON.stringify(ch)}`);
  }

  private one(t: Token): Token {
    this.pos++;
    return t;
  }

  private quoted(): string {
    const s = this.src;
    let out = '';
    for (let i = this.pos + 1; i < s.length; i++) {
      const ch = s[i]!;
      if (ch === '"') {
        this.pos = i + 1;
        return out;
      }
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = s[++i];
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
      if (esc === undefined || map[esc] === undefined) this.fail(`unknown escape \\${esc ?? ''}`);
      out += map[esc];
    }
    return this.fail('unterminated string');
  }
}

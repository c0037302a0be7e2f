import { describe, expect, it } from 'vitest';
import type { TemplateContext } from './template.js';
import { hasTemplate, parseTemplate, renderTemplate, TemplateError, templateRefs } from './template.js';

const env: Record<string, string> = { CLUSTER_DOMAIN: 'dev.localflynn.com', EMPTY: '', PORT: '8080' };
const ctx: TemplateContext = {
  data: {
    StepData: {
      controller_key: { data: 'k3y' },
      'controller-cert': { Pin: 'p1n=', Cert: '-----BEGIN CERTIFICATE-----' },
      hosts: { ids: ['a', 'b'], list: [{ id: 'a' }] },
    },
    Singleton: true,
    SortedHostIPs: ['10.0.0.1', '10.0.0.2'],
  },
  getenv: (name) => env[name],
};
const render = (t: string) => renderTemplate(t, ctx);

describe('renderTemplate', () => {
  it('leaves text without actions alone', () => {
    expect(render('plain {not} a template }}')).toBe('plain {not} a template }}');
    expect(hasTemplate('a {{ b }}')).toBe(true);
    expect(hasTemplate('a { b }')).toBe(false);
  });

  it('reads the environment with getenv (unset is empty), with "…" and `…` strings', () => {
    expect(render('controller.{{ getenv "CLUSTER_DOMAIN" }}')).toBe('controller.dev.localflynn.com');
    expect(render('{{ getenv `CLUSTER_DOMAIN` }}')).toBe('dev.localflynn.com');
    expect(render('[{{ getenv "NOPE" }}]')).toBe('[]');
  });

  it('reads earlier steps’ outputs, Singleton and SortedHostIPs', () => {
    expect(render('key={{ .StepData.controller_key.data }}')).toBe('key=k3y');
    expect(render('{{ .StepData.controller-cert.Pin }}')).toBe('p1n=');
    expect(render('{{ .Singleton }}')).toBe('true');
    expect(render('{{ .SortedHostIPs }}')).toBe('10.0.0.1,10.0.0.2');
  });

  it('pipes: default, join, json, index, parentheses', () => {
    expect(render('{{ getenv "EMPTY" | default "fallback" }}')).toBe('fallback');
    expect(render('{{ getenv "PORT" | default "1" }}')).toBe('8080');
    expect(render('{{ .SortedHostIPs | join " " }}')).toBe('10.0.0.1 10.0.0.2');
    expect(render('{{ join ";" .StepData.hosts.ids }}')).toBe('a;b');
    expect(render('{{ json .StepData.controller_key }}')).toBe('{"data":"k3y"}');
    expect(render('{{ index .StepData "controller-cert" "Pin" }}')).toBe('p1n=');
    expect(render('{{ join "," (index .StepData "hosts" "ids") }}')).toBe('a,b');
    expect(render('{{ "a\\"b\\n" }}')).toBe('a"b\n');
    expect(render('{{ .SortedHostIPs | format "%s:1111" | join "," }}')).toBe('10.0.0.1:1111,10.0.0.2:1111');
    expect(render('{{ getenv "PORT" | format "port %s" }}')).toBe('port 8080');
    expect(render('{{ 42 }}/{{ false }}')).toBe('42/false');
  });

  it('trims whitespace with {{- and -}}', () => {
    expect(render('a  {{- "b" -}}  c')).toBe('abc');
    expect(render('a {{ "b" }} c')).toBe('a b c');
  });

  it('does not treat }} inside a string as the end of the action', () => {
    expect(render('{{ "x}}y" }}!')).toBe('x}}y!');
  });

  const fails = (t: string, message: RegExp) => {
    let error: unknown;
    try {
      render(t);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).code).toBe('FLYNN_BOOTSTRAP_TEMPLATE');
    expect((error as Error).message).toMatch(message);
  };

  it('rejects syntax errors with a message naming the action', () => {
    fails('{{ getenv "X" ', /unclosed action at offset 0/);
    fails('{{ }}', /empty action/);
    fails('{{ "abc }}', /unclosed action|unterminated string/);
    fails('{{ exec "rm" }}', /unknown function "exec"/);
    fails('{{ getenv "X" ) }}', /unexpected/);
    fails('{{ .a | }}', /missing command/);
    fails('{{ "\\q" }}', /unknown escape/);
    fails('{{ ! }}', /unexpected character "!"/);
  });

  it('rejects missing fields, wrong arities and values that cannot be text', () => {
    fails('{{ .StepData.nope.data }}', /\.StepData\.nope: no output of a step "nope"/);
    fails('{{ .StepData.controller_key.Data }}', /no field "Data"/);
    fails('{{ .Nope }}', /\.Nope: no field "Nope"/);
    fails('{{ getenv }}', /getenv takes 1 argument, got 0/);
    fails('{{ getenv "A" "B" }}', /getenv takes 1 argument, got 2/);
    fails('{{ .StepData.controller_key }}', /an object cannot be rendered/);
    fails('{{ .StepData.hosts.list }}', /a list of objects cannot be rendered/);
    fails('{{ .Singleton "x" }}', /is not a function/);
    fails('{{ join 1 .SortedHostIPs }}', /join takes a separator and a list/);
  });
});

describe('templateRefs', () => {
  it('lists the steps and environment variables a template reads', () => {
    const refs = templateRefs('{{ .StepData.a.x }} {{ index .StepData "b-c" "y" }} {{ getenv "HOME" | default (getenv "USER") }} {{ .StepData.a.z }}');
    expect(refs.steps).toEqual(['a', 'b-c']);
    expect(refs.env).toEqual(['HOME', 'USER']);
  });

  it('throws for a syntax error', () => {
    expect(() => templateRefs('{{ nope }}')).toThrow(TemplateError);
  });
});

describe('parseTemplate', () => {
  it('splits text and actions', () => {
    const nodes = parseTemplate('a{{ .x }}b');
    expect(nodes.map((n) => n.kind)).toEqual(['text', 'action', 'text']);
  });
});

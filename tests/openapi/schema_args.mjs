// Arguments generated from a tool's inputSchema (JSON Schema 2020-12 with $defs), as a model
// following it might send: `full` (every property), `required` (required ones only) and `edge`
// (boundary values: shortest strings, smallest numbers, spaces and reserved characters, the
// last enum value, empty optional lists). Bounded: depth 6, two items per list.

const FORMATS = {
  'date-time': '2024-01-02T03:04:05Z', date: '2024-01-02', time: '03:04:05Z', email: 'a@example.com',
  uri: 'https://example.com/a', url: 'https://example.com/a', 'uri-reference': '/a', uuid: '4f1c1a4e-5b6c-4d7e-8f90-a1b2c3d4e5f6',
  ipv4: '192.0.2.1', ipv6: '2001:db8::1', hostname: 'example.com', byte: 'aGVsbG8=', password: 'secret',
  'int-or-string': '1', 'date-time-rfc-2822': 'Tue, 02 Jan 2024 03:04:05 +0000', 'phone-number': '+15551234567',
};

function resolve(s, root) {
  for (let n = 0; s && s.$ref && n < 20; ++n) {
    const m = /^#\/\$defs\/(.+)$/.exec(s.$ref);
    const target = m ? root.$defs?.[m[1].replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
    if (!target) return {};
    const { $ref, ...rest } = s;
    s = { ...target, ...rest };
  }
  return s ?? {};
}

function typeOf(s) {
  let t = s.type;
  if (Array.isArray(t)) t = t.find((x) => x !== 'null') ?? 'null';
  if (t) return t;
  if (s.properties) return 'object';
  if (s.items) return 'array';
  return 'string';
}

// A string matching a simple regular expression (literals, classes, \\d \\w, groups with |,
// quantifiers), or undefined: enough for the ID patterns of real specs (^AC[0-9a-f]{32}$).
function fromPattern(pattern) {
  let i = 0;
  const atom = () => {
    const c = pattern[i++];
    if (c === '\\') {
      const e = pattern[i++];
      return { d: '1', w: 'a', s: ' ', D: 'a', W: '-', S: 'a' }[e] ?? e;
    }
    if (c === '[') {
      let first = pattern[i] === '^' ? (i++, null) : undefined;
      let body = '';
      while (i < pattern.length && pattern[i] !== ']') body += pattern[i++] === '\\' ? pattern[i++] : pattern[i - 1];
      ++i;
      if (first === null) return 'q';
      return body[0] ?? 'a';
    }
    if (c === '(') {
      if (pattern.startsWith('?:', i)) i += 2;
      const alt = seq(true);
      return alt;
    }
    if (c === '.') return 'a';
    return c;
  };
  const seq = (inGroup) => {
    let out = '';
    let chosen = null;
    while (i < pattern.length) {
      const c = pattern[i];
      if (c === ')') { ++i; break; }
      if (c === '|') {
        ++i;
        chosen ??= out;
        out = '';
        continue;
      }
      if (c === '^' || c === '$') { ++i; continue; }
      const a = atom();
      let n = 1;
      if (pattern[i] === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
        if (!m) return undefined;
        n = Number(m[1]) || (m[2] ? 1 : 0);
        i += m[0].length;
      } else if (pattern[i] === '+') { ++i; } else if (pattern[i] === '*' || pattern[i] === '?') { ++i; n = 0; }
      if (pattern[i] === '?') ++i;  // lazy
      out += (a ?? '').repeat(n);
    }
    return inGroup ? chosen ?? out : chosen ?? out;
  };
  try {
    const v = seq(false);
    return v !== undefined && new RegExp(pattern, 'u').test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function string(s, mode) {
  if (s.pattern) {
    const v = fromPattern(s.pattern);
    if (v !== undefined) return v;
  }
  if (s.contentEncoding === 'base64') return 'aGVsbG8gd29ybGQ=';
  if (s.format && FORMATS[s.format]) return FORMATS[s.format];
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 64;
  let v = mode === 'edge' ? (min > 0 ? 'a b&c=d+e/f'.slice(0, Math.max(min, Math.min(max, 11))) : 'a b&c') : 'value';
  if (mode === 'edge' && min === 0 && max < 5) v = '';
  while (v.length < min) v += 'x';
  return v.slice(0, Math.max(max, min));
}

function number(s, mode, integer) {
  let lo = s.minimum ?? (typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + (integer ? 1 : 0.5) : undefined);
  let hi = s.maximum ?? (typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum - (integer ? 1 : 0.5) : undefined);
  let v = mode === 'edge' ? (lo ?? 0) : (lo ?? 1) + (hi !== undefined && hi < (lo ?? 1) + 1 ? 0 : 1);
  if (hi !== undefined && v > hi) v = hi;
  if (s.multipleOf) v = Math.ceil(v / s.multipleOf) * s.multipleOf;
  return integer ? Math.round(v) : v;
}

function gen(s0, root, mode, depth) {
  const s = resolve(s0, root);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) {
    const vals = s.enum.filter((x) => x !== null);
    return vals.length ? vals[mode === 'edge' ? vals.length - 1 : 0] : null;
  }
  if (Array.isArray(s.examples) && s.examples.length && s.pattern) return s.examples[0];
  if (s.default !== undefined && s.pattern) return s.default;
  if (Array.isArray(s.allOf)) {
    let out;
    for (const b of s.allOf) {
      const v = gen(b, root, mode, depth + 1);
      out = out && typeof out === 'object' && v && typeof v === 'object' && !Array.isArray(v) ? { ...out, ...v } : v ?? out;
    }
    const { allOf, ...rest } = s;
    if (Object.keys(rest).some((k) => ['properties', 'type'].includes(k))) {
      const more = gen(rest, root, mode, depth + 1);
      if (out && typeof out === 'object' && more && typeof more === 'object') return { ...out, ...more };
    }
    return out;
  }
  for (const k of ['oneOf', 'anyOf']) {
    if (!Array.isArray(s[k])) continue;
    const branches = s[k].filter((b) => resolve(b, root).type !== 'null');
    if (!branches.length) return null;
    return gen(branches[mode === 'edge' ? branches.length - 1 : 0], root, mode, depth + 1);
  }
  switch (typeOf(s)) {
    case 'null': return null;
    case 'boolean': return mode !== 'edge';
    case 'integer': return number(s, mode, true);
    case 'number': return number(s, mode, false);
    case 'array': {
      const min = s.minItems ?? 0;
      const n = depth > 5 ? min : Math.min(Math.max(min, mode === 'edge' ? min : mode === 'full' ? 2 : 1), s.maxItems ?? 2);
      const items = [];
      for (let i = 0; i < n; ++i) items.push(gen(s.items ?? {}, root, mode, depth + 1));
      if (s.uniqueItems && n > 1 && items.every((x) => typeof x === 'string')) items.forEach((_, i) => (items[i] += i));
      return items;
    }
    case 'object': {
      const out = {};
      const req = new Set(s.required ?? []);
      for (const [k, p] of Object.entries(s.properties ?? {})) {
        if (!req.has(k) && (mode === 'required' || depth > 5)) continue;
        out[k] = gen(p, root, mode, depth + 1);
      }
      for (const [k, need] of Object.entries(s.dependentRequired ?? {}))  // an optional body's required ones
        if (k in out) for (const n of need) if (!(n in out) && s.properties?.[n]) out[n] = gen(s.properties[n], root, mode, depth + 1);
      return out;
    }
    default: return string(s, mode);
  }
}

export function argumentSets(schema) {
  const sets = [];
  for (const mode of ['full', 'required', 'edge']) {
    const args = gen(schema, schema, mode, 0) ?? {};
    if (!sets.some((x) => JSON.stringify(x) === JSON.stringify(args))) sets.push(args);
  }
  return sets;
}

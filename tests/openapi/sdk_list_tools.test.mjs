// Every corpus spec's tools/list as the official SDK clients read it (issue 14): the result
// parses with the TypeScript SDK's ListToolsResultSchema (what Client.listTools() applies to
// the answer: one schema it rejects loses the whole list), every schema in it is an object at
// every depth (no boolean subschemas), and, by the Python SDK's rules (jsonschema checks each
// outputSchema before validating structuredContent against it), every inputSchema and
// outputSchema passes Draft 2020-12's check_schema (when python3 has jsonschema; 12 tools a spec).
//   MCP_BRIDGE=... MCP_TS_SDK_DIR=... MCP_OPENAPI_CORPORA=... node --test sdk_list_tools.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const bridge = process.env.MCP_BRIDGE;
const sdk = process.env.MCP_TS_SDK_DIR;
const corpora = process.env.MCP_OPENAPI_CORPORA ?? '';
assert.ok(bridge && existsSync(bridge), 'MCP_BRIDGE must name the mcpbridge binary');
assert.ok(sdk && existsSync(sdk), `the TypeScript SDK is missing (${sdk}): run scripts/install-test-tools.sh`);
const { ListToolsResultSchema } = await import(path.join(sdk, 'dist/esm/types.js'));

const python = spawnSync('python3', ['-c', 'import jsonschema'], { encoding: 'utf8' }).status === 0;
const PY_CHECK = `
import json, sys
from jsonschema import Draft202012Validator
bad = []
for t in json.load(sys.stdin)["tools"]:
    for k in ("inputSchema", "outputSchema"):
        if k in t:
            try:
                Draft202012Validator.check_schema(t[k])
            except Exception as e:
                bad.append(t["name"] + " " + k + ": " + str(e).splitlines()[0])
print(json.dumps(bad[:5]))
`;

function files(dir, re) {
  const d = path.join(corpora, dir);
  return existsSync(d) ? readdirSync(d).filter((f) => re.test(f)).sort().map((f) => path.join(d, f)) : [];
}
const oas = 'oas-examples/node_modules/@readme/oas-examples';
const fixtures = path.join(import.meta.dirname, 'fixtures');
const groups = [
  // Our own: boolean subschemas everywhere, deep forms, the petstore.
  ['fixtures', ['boolean_schemas.json', 'deep_forms.yaml', 'petstore.yaml'].map((f) => path.join(fixtures, f)), 3],
  ['oas-examples', ['2.0', '3.0', '3.1'].flatMap((v) => files(`${oas}/${v}/json`, /\.json$/)), 55],
  ['Twilio', files('twilio/node_modules/@twilio-alpha/mcp/twilio-oai/spec/json', /\.json$/), 50],
  ['Kubernetes', files('kubernetes/node_modules/kubernetes-client/lib/specs', /\.json\.gz$/), 4],
  // The .deref.json copies (the same APIs with every $ref inlined) are over the loader's 64 MiB
  // spec limit on purpose.
  ['GitHub', files('octokit/node_modules/@octokit/openapi/generated', /^(?!.*\.deref\.).*\.json$/), 5],
];

// Every schema object in `s`, at every depth, is an object (booleans are what the SDK rejects
// at the top level and what we normalise everywhere).
function booleanSchemas(s, where, out) {
  if (!s || typeof s !== 'object' || Array.isArray(s)) return out;
  for (const [k, v] of Object.entries(s)) {
    const maps = ['properties', '$defs', 'patternProperties', 'dependentSchemas'];
    const one = ['items', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedItems'];
    const lists = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
    const kids = maps.includes(k) ? Object.entries(v ?? {}) : one.includes(k) ? [[k, v]]
      : lists.includes(k) && Array.isArray(v) ? v.map((x, i) => [`${k}/${i}`, x]) : [];
    for (const [n, x] of kids) {
      if (typeof x === 'boolean') out.push(`${where}/${k}/${n}`);
      else booleanSchemas(x, `${where}/${n}`, out);
    }
  }
  return out;
}

for (const [group, specs, min] of groups) {
  test(`${group}: every spec's tools/list is accepted by the SDK clients`, { timeout: 200_000 }, (t) => {
    if (!specs.length) return t.skip(`corpus not installed under ${corpora}: run scripts/install-test-tools.sh`);
    assert.ok(specs.length >= min, `${group}: only ${specs.length} specs`);
    const failures = [];
    let tools = 0;
    for (const spec of specs) {
      const name = path.basename(spec);
      const r = spawnSync(bridge, ['openapi', 'inspect', '--json', spec], { maxBuffer: 1 << 30, encoding: 'utf8' });
      if (r.status !== 0) {
        failures.push(`${name}: inspect failed: ${r.stderr.slice(0, 200)}`);
        continue;
      }
      const payload = JSON.parse(r.stdout);
      const parsed = ListToolsResultSchema.safeParse(payload);
      if (!parsed.success) failures.push(`${name}: tools/list rejected by the TypeScript SDK: ${parsed.error.message.slice(0, 300)}`);
      tools += payload.tools.length;
      for (const tool of payload.tools)
        for (const which of ['inputSchema', 'outputSchema']) {
          const b = booleanSchemas(tool[which], `${tool.name} ${which}`, []);
          if (b.length) failures.push(`${name}: boolean subschemas ${b.slice(0, 3).join(', ')}`);
        }
      if (python) {  // jsonschema's check_schema is slow: 12 tools per spec, evenly spaced
        const every = Math.max(1, Math.ceil(payload.tools.length / 12));
        const sample = JSON.stringify({ tools: payload.tools.filter((_, i) => i % every === 0) });
        const py = execFileSync('python3', ['-c', PY_CHECK], { input: sample, maxBuffer: 1 << 30 }).toString();
        for (const e of JSON.parse(py)) failures.push(`${name}: Python jsonschema: ${e}`);
      }
    }
    assert.deepEqual(failures.slice(0, 10), [], `${group}: ${failures.length} problems`);
    assert.ok(tools > 0);
    if (!python) t.diagnostic('python3 has no jsonschema: the Python SDK rules were not checked');
  });
}

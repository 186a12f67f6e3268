// The tools a spec produces, as the official TypeScript SDK client sees them: the tools/list
// result parses with the SDK's own ListToolsResultSchema, and every inputSchema and
// outputSchema compiles with the SDK's default validator (Ajv + ajv-formats, as used by
// Client.callTool to check structuredContent). Real specs come from tools/openapi-corpora.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const bridge = process.env.MCP_BRIDGE;
const sdk = process.env.MCP_TS_SDK_DIR;
const corpora = process.env.MCP_OPENAPI_CORPORA;
assert.ok(bridge && existsSync(bridge), 'MCP_BRIDGE must name the mcpbridge binary');
assert.ok(sdk && existsSync(sdk), `the TypeScript SDK is missing (${sdk}): run scripts/install-test-tools.sh`);

const { ListToolsResultSchema } = await import(path.join(sdk, 'dist/esm/types.js'));
const { AjvJsonSchemaValidator } = await import(path.join(sdk, 'dist/esm/validation/ajv-provider.js'));

function inspect(spec, ...flags) {
  const out = execFileSync(bridge, ['openapi', 'inspect', '--json', ...flags, spec], { maxBuffer: 1 << 30 });
  return JSON.parse(out.toString());
}

// Ajv compiles each schema to code: seconds for Kubernetes' 200 KB schemas. `every` samples
// big corpora evenly (every tool still passes the SDK's ListToolsResultSchema).
function checkAll(payload, label, every = 1) {
  const parsed = ListToolsResultSchema.safeParse(payload);
  assert.ok(parsed.success, `${label}: tools/list rejected by the SDK: ${parsed.error?.message?.slice(0, 500)}`);
  const validator = new AjvJsonSchemaValidator();
  const failures = [];
  const warn = console.warn;
  console.warn = () => {};  // Ajv reports each unknown format (int32, int-or-string, ...) it ignores
  try {
    payload.tools.forEach((tool, i) => {
      if (i % every) return;
      for (const which of ['inputSchema', 'outputSchema']) {
        if (!tool[which]) continue;
        try {
          validator.getValidator(tool[which]);
        } catch (e) {
          failures.push(`${tool.name} ${which}: ${e.message}`);
        }
      }
    });
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(failures.slice(0, 10), [], `${label}: ${failures.length} schemas the SDK cannot compile`);
  return payload.tools.length;
}

test('petstore fixture', () => {
  const p = inspect(path.join(import.meta.dirname, 'fixtures/petstore.yaml'));
  assert.equal(checkAll(p, 'petstore'), 3);
  // A lenient outputSchema accepts what APIs really send.
  const v = new AjvJsonSchemaValidator().getValidator(p.tools.find((t) => t.name === 'showPetById').outputSchema);
  assert.ok(v({ id: 1, name: null, tag: null, extra: true }).valid);
});

const corpus = [
  ['GitHub', 'octokit/node_modules/@octokit/openapi/generated/api.github.com.json', 1100, 1],
  ['Kubernetes 1.13', 'kubernetes/node_modules/kubernetes-client/lib/specs/swagger-1.13.json.gz', 1000, 25],
  ['Twilio API v2010', 'twilio/node_modules/@twilio-alpha/mcp/twilio-oai/spec/json/twilio_api_v2010.json', 150, 1],
];
for (const [name, rel, min, every] of corpus) {
  for (const flags of [[], ['--compat']]) {
    test(`${name} ${flags.join(' ')}`, (t) => {
      const spec = path.join(corpora ?? '', rel);
      if (!corpora || !existsSync(spec)) return t.skip(`corpus not installed (${spec}): run scripts/install-test-tools.sh`);
      const n = checkAll(inspect(spec, ...flags), name, flags.length ? every * 5 : every);
      assert.ok(n >= min, `${name}: only ${n} tools`);
    });
  }
}

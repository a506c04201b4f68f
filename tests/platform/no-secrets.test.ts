import { synthesizeAll } from "./synth";

/** Shapes of credentials that must never appear in synthesized configuration. */
const SECRET_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ["storage account key / connection string", /AccountKey=/i],
  ["shared access signature", /[?&]sig=[A-Za-z0-9%]{20,}/],
  ["Event Hubs / Service Bus connection string", /SharedAccessKey(Name)?=/i],
  ["Databricks personal access token", /\bdapi[0-9a-f]{32}\b/],
  ["private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["JSON web token", /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./],
  ["client secret", /"client_secret"\s*:\s*"(?!\$\{)/],
  ["literal password", /"(password|secret|token)"\s*:\s*"(?!\$\{)[^"]+"/i],
  // Random base64 of 40+ characters holds digits, capitals and small letters; a workspace path
  // (`/Workspace/a/b`) of letters and slashes alone does not look like one.
  ["base64 key of 40+ characters", /"(?=[^"]*\d)(?=[^"]*[A-Z])(?=[^"]*[a-z])[A-Za-z0-9+/]{40,}={0,2}"/],
];

describe("synthesized configuration", () => {
  const environments = [...synthesizeAll().values()];

  it.each(environments.map((e) => [e.env.name, e.rawText] as const))(
    "of %s contains no secret-looking literal",
    (_, text) => {
      const found = SECRET_PATTERNS.filter(([, pattern]) => pattern.test(text)).map(([what]) => what);
      expect(found).toEqual([]);
    },
  );

  it.each(environments.map((e) => [e.env.name, e] as const))(
    "of %s sets every Key Vault secret from a resource reference",
    (_, { platform }) => {
      for (const secret of Object.values(platform.resource.azurerm_key_vault_secret ?? {})) {
        expect(secret.value).toMatch(/^\$\{[a-z_]+\.[A-Za-z0-9_]+\.[a-z_]+\}$/);
      }
    },
  );

  it("catches a connection string if one ever slips in", () => {
    const leaked =
      '{"value": "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=abc"}';
    expect(SECRET_PATTERNS.some(([, pattern]) => pattern.test(leaked))).toBe(true);
  });

  it("catches a base64 account key but not a long workspace path", () => {
    const key = '{"key": "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRkdISUpLTE1OT1BRUlM="}';
    const folder = '{"root_path": "/Workspace/lakehouse/dev/lakehouse/pipelines/definitions"}';
    const base64 = SECRET_PATTERNS.find(([what]) => what.startsWith("base64"))?.[1] as RegExp;
    expect([base64.test(key), base64.test(folder)]).toEqual([true, false]);
  });
});

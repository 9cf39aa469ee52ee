// The web client's types (web/src/api/schema.d.ts) are generated from the server's OpenAPI document by
// `npm run gen:api`; a route changed without regenerating them fails here, so client and server cannot drift.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { API_SCHEMA_PATH, generateApiSchema } from '../../scripts/gen-api.ts';

it('web/src/api/schema.d.ts is what npm run gen:api writes from the current routes', async () => {
  const fresh = await generateApiSchema();
  expect(readFileSync(API_SCHEMA_PATH, 'utf8') === fresh, 'web/src/api/schema.d.ts 已过期：运行 npm run gen:api').toBe(
    true,
  );
});
